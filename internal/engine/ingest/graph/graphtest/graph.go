package graphtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	permRiskDetections = "IdentityRiskEvent.Read.All"
	permManagedDevices = "DeviceManagementManagedDevices.Read.All"
	permRiskyUsers     = "IdentityRiskyUser.ReadWrite.All"
)

// graph wraps a Graph endpoint: faults first (a throttled request is
// refused before anything else, as at Graph's front door), then the bearer
// token, then the permission. The handler runs with s.mu held.
func (s *Server) graph(permission string, h func(w http.ResponseWriter, r *http.Request)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		w.Header().Set("Date", s.now().UTC().Format(http.TimeFormat))
		s.stats.GraphRequests++
		n, b := s.stats.GraphRequests, &s.behavior
		switch {
		case b.ThrottleEvery > 0 && n%b.ThrottleEvery == 0,
			!s.window.allow(time.Now()):
			s.stats.Throttled++
			if b.RetryAfter > 0 {
				if b.RetryAfterDate {
					w.Header().Set("Retry-After", s.now().Add(b.RetryAfter).UTC().Format(http.TimeFormat))
				} else {
					w.Header().Set("Retry-After", strconv.Itoa(int((b.RetryAfter+time.Second-1)/time.Second)))
				}
			}
			graphError(w, http.StatusTooManyRequests, "TooManyRequests", "Too many requests.")
			return
		case b.UnavailableNext > 0 || (b.UnavailableEvery > 0 && n%b.UnavailableEvery == 0):
			if b.UnavailableNext > 0 {
				b.UnavailableNext--
			}
			s.stats.Unavailable++
			graphError(w, http.StatusServiceUnavailable, "serviceNotAvailable", "The service is temporarily unavailable.")
			return
		}
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		exp, known := s.tokens[tok]
		switch {
		case !ok || !known:
			s.stats.Unauthorized++
			graphError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.")
			return
		case !s.now().Before(exp):
			s.stats.Unauthorized++
			graphError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired.")
			return
		}
		if slices.Contains(b.DenyPermissions, permission) {
			s.stats.Forbidden++
			graphError(w, http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
			return
		}
		h(w, r)
	})
}

// graphError writes Graph's error envelope.
func graphError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
		"code": code, "message": message,
		"innerError": map[string]string{"request-id": fmt.Sprintf("%d", time.Now().UnixNano())},
	}})
}
