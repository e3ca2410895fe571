package engine

// FieldError is a validation failure of one attribute, so the provider can
// point Terraform at the attribute's path.
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }
