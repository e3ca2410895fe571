package graph

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

// Sentinel errors, for errors.Is.
var (
	// ErrAuth: the token endpoint refused the client credentials, or Graph
	// refused a freshly issued token.
	ErrAuth = errors.New("graph: authentication failed")
	// ErrPermission: Graph answered 403; the application lacks a permission
	// (the error names it) or admin consent.
	ErrPermission = errors.New("graph: permission missing")
	// ErrExhausted: every attempt allowed by MaxAttempts was throttled or
	// failed; the error also wraps the last failure.
	ErrExhausted = errors.New("graph: attempts exhausted")
)

// Application permissions, each named in the error of a 403 on its endpoint.
const (
	PermissionRiskDetections = engine.GraphPermissionRiskDetections
	PermissionManagedDevices = engine.GraphPermissionManagedDevices
	PermissionRiskyUsers     = engine.GraphPermissionRiskyUsers
)

// APIError is an answer from Graph that is not a success, with Graph's own
// error.code and error.message from the body.
type APIError struct {
	Op         string // what was being done: "list riskDetections", ...
	StatusCode int
	Code       string
	Message    string
	// Permission is the application permission the operation needs; it is
	// named in the message of a 403.
	Permission string

	header http.Header // for Retry-After
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("graph: %s: %d %s", e.Op, e.StatusCode, http.StatusText(e.StatusCode))
	if e.StatusCode == http.StatusForbidden && e.Permission != "" {
		s += fmt.Sprintf(": the application needs the Microsoft Graph application permission %s, with admin consent", e.Permission)
	}
	switch {
	case e.Code != "" && e.Message != "":
		s += fmt.Sprintf(" (Graph: %s: %s)", e.Code, e.Message)
	case e.Code != "" || e.Message != "":
		s += fmt.Sprintf(" (Graph: %s%s)", e.Code, e.Message)
	}
	return s
}

// Is makes a 403 match ErrPermission and a 401 match ErrAuth.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrPermission:
		return e.StatusCode == http.StatusForbidden
	case ErrAuth:
		return e.StatusCode == http.StatusUnauthorized
	}
	return false
}

// retryable reports whether another attempt may succeed.
func (e *APIError) retryable() bool {
	return e.StatusCode == http.StatusTooManyRequests || e.StatusCode == http.StatusRequestTimeout || e.StatusCode >= 500
}
