package server

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

// Error codes of the API: the "code" of every error body. The remote client
// turns them back into the engine's sentinel errors.
const (
	codeNotFound     = "not_found"
	codeInvalid      = "invalid"
	codeDisabled     = "disabled"
	codeConflict     = "conflict"
	codeUnauthorized = "unauthorized"
	codeForbidden    = "forbidden"
	codeTooLarge     = "too_large"
	codeInternal     = "internal"
)

// ErrorBody is the JSON of every error answer:
//
//	{"error": {"code": "not_found", "message": "policy \"x\": not found"}}
//
// Field names the attribute a validation error is about, when there is one.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the inside of an ErrorBody.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

func writeError(w http.ResponseWriter, status int, code, message, field string) {
	writeJSON(w, status, ErrorBody{Error: ErrorDetail{Code: code, Message: message, Field: field}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// errBadRequest marks a request the API cannot read (bad JSON, a bad query
// parameter): 400, where the engine's own validation answers 422.
type errBadRequest struct{ err error }

func (e errBadRequest) Error() string { return e.err.Error() }
func (e errBadRequest) Unwrap() error { return e.err }

// errTooLarge is a body over the size limit.
var errTooLarge = errors.New("the request body is larger than the server accepts")

// classify maps an engine error to its HTTP status, code, message and
// field. A validation error about one attribute keeps the attribute apart,
// so the client can rebuild the same engine.FieldError the embedded engine
// returns. Internal errors are reported without their details, which go to
// the server log.
func classify(err error) (status int, code, message, field string) {
	message = err.Error()
	var fe *engine.FieldError
	if errors.As(err, &fe) {
		field, message = fe.Field, fe.Err.Error()
	}
	var bad errBadRequest
	switch {
	case errors.Is(err, errTooLarge):
		return http.StatusRequestEntityTooLarge, codeTooLarge, message, ""
	case errors.As(err, &bad):
		return http.StatusBadRequest, codeInvalid, message, field
	case errors.Is(err, engine.ErrNotFound):
		return http.StatusNotFound, codeNotFound, message, field
	case errors.Is(err, engine.ErrAlreadyExists):
		return http.StatusConflict, codeConflict, message, field
	case errors.Is(err, engine.ErrDisabled):
		return http.StatusConflict, codeDisabled, message, field
	case errors.Is(err, engine.ErrInvalid):
		return http.StatusUnprocessableEntity, codeInvalid, message, field
	}
	return http.StatusInternalServerError, codeInternal, "internal error: see the server log", ""
}
