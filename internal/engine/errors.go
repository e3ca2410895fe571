package engine

import "errors"

var (
	// ErrNotFound: the object asked for does not exist (a custom policy by
	// name, say). Callers test it with errors.Is.
	ErrNotFound = errors.New("not found")
	// ErrAlreadyExists: a custom policy of that name exists already, so
	// creating it again would take over another configuration's policy.
	ErrAlreadyExists = errors.New("already exists")
	// ErrInvalid: a setting or argument breaks the contract; the wrapped
	// message says which and why.
	ErrInvalid = errors.New("invalid")
	// ErrDisabled: the integration is disabled, so nothing is ingested and
	// nothing is consumed from any source.
	ErrDisabled = errors.New("the integration is disabled: nothing was ingested")
)
