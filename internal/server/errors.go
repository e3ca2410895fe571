package server

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/idp/terraform-provider-idp/internal/api"
	"github.com/idp/terraform-provider-idp/internal/engine"
)

// writeError answers the API's error body (api.ErrorBody).
func writeError(w http.ResponseWriter, status int, code api.Code, message, field string) {
	writeJSON(w, status, api.ErrorBody{Error: api.ErrorDetail{Code: code, Message: message, Field: field}})
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
func classify(err error) (status int, code api.Code, message, field string) {
	message = err.Error()
	var fe *engine.FieldError
	if errors.As(err, &fe) {
		field, message = fe.Field, fe.Err.Error()
	}
	var bad errBadRequest
	switch {
	case errors.Is(err, errTooLarge):
		return http.StatusRequestEntityTooLarge, api.CodeTooLarge, message, ""
	case errors.As(err, &bad):
		return http.StatusBadRequest, api.CodeInvalid, message, field
	case errors.Is(err, engine.ErrNotFound):
		return http.StatusNotFound, api.CodeNotFound, message, field
	case errors.Is(err, engine.ErrAlreadyExists):
		return http.StatusConflict, api.CodeConflict, message, field
	case errors.Is(err, engine.ErrDisabled):
		return http.StatusConflict, api.CodeDisabled, message, field
	case errors.Is(err, engine.ErrInvalid):
		return http.StatusUnprocessableEntity, api.CodeInvalid, message, field
	}
	return http.StatusInternalServerError, api.CodeInternal, "internal error: see the server log", ""
}
