package api

import (
	"errors"
	"net/http"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

// Code is the "code" of an error body: what kind of failure it is, in a
// form both sides can switch on, whatever the message says.
type Code string

// The codes of the API. The server picks one for every error it answers;
// the remote client turns it back into the error it stands for (Err).
const (
	CodeNotFound     Code = "not_found"
	CodeInvalid      Code = "invalid"
	CodeDisabled     Code = "disabled"
	CodeConflict     Code = "conflict"
	CodeUnauthorized Code = "unauthorized"
	CodeForbidden    Code = "forbidden"
	CodeTooLarge     Code = "too_large"
	CodeInternal     Code = "internal"
	// CodeDraining and CodeUnavailable answer /readyz only.
	CodeDraining    Code = "draining"
	CodeUnavailable Code = "unavailable"
)

// Failures that exist only across the wire, with no engine sentinel of
// their own. ErrUnauthorized: the server refused the token. ErrForbidden:
// the token's scope does not allow the call (a read token that writes).
// ErrTooLarge: a request body is over the server's size limit.
var (
	ErrUnauthorized = errors.New("unauthorized")
	ErrForbidden    = errors.New("forbidden by the token's scope")
	ErrTooLarge     = errors.New("too large")
)

// Err is the error a code stands for, so that errors.Is(err,
// engine.ErrNotFound) holds whether the engine answered in-process or
// over the wire; nil for a code without one (internal).
func (c Code) Err() error {
	switch c {
	case CodeNotFound:
		return engine.ErrNotFound
	case CodeInvalid:
		return engine.ErrInvalid
	case CodeDisabled:
		return engine.ErrDisabled
	case CodeConflict:
		return engine.ErrAlreadyExists
	case CodeUnauthorized:
		return ErrUnauthorized
	case CodeForbidden:
		return ErrForbidden
	case CodeTooLarge:
		return ErrTooLarge
	}
	return nil
}

// CodeOfStatus names an answer that came without an error body (from a
// proxy in front of the server, say) by its HTTP status.
func CodeOfStatus(status int) Code {
	switch status {
	case http.StatusNotFound:
		return CodeNotFound
	case http.StatusUnauthorized:
		return CodeUnauthorized
	case http.StatusForbidden:
		return CodeForbidden
	case http.StatusRequestEntityTooLarge:
		return CodeTooLarge
	}
	return CodeInternal
}

// ErrorBody is the JSON of every error answer:
//
//	{"error": {"code": "not_found", "message": "policy \"x\": not found"}}
//
// Field names the attribute a validation error is about, when there is
// one, so that the client can rebuild the engine.FieldError the embedded
// engine returns.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the inside of an ErrorBody.
type ErrorDetail struct {
	Code    Code   `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}
