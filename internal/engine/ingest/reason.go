package ingest

import "fmt"

// RecordError is why a record is quarantined. Its text is the reason the
// quarantine shows, so it names the property and what is wrong with it.
type RecordError struct {
	Reason string
}

func (e *RecordError) Error() string { return e.Reason }

func reject(format string, args ...any) *RecordError {
	return &RecordError{Reason: fmt.Sprintf(format, args...)}
}
