package server

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/idp/terraform-provider-idp/internal/api"
)

// bearer extracts the token of an "Authorization: Bearer <token>" header.
func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, token, found := strings.Cut(h, " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// scopeNeeded is what a request of the API needs: reading (GET, HEAD) and
// the checks (POSTs that change nothing, checks.go) need a read token,
// anything else an admin token. A read token can thus plan.
func scopeNeeded(r *http.Request) Scope {
	if r.Method == http.MethodGet || r.Method == http.MethodHead || (r.Method == http.MethodPost && isCheck(r)) {
		return ScopeRead
	}
	return ScopeAdmin
}

// requireToken answers 401 to a request without a valid bearer token, and
// 403 to one whose token's scope does not allow it (scopeNeeded). The
// presented token is never logged or echoed.
func (s *Server) requireToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearer(r)
		scope, valid := Scope(0), false
		if ok {
			scope, valid = s.tokens.Scope(token)
		}
		if !valid {
			w.Header().Set("WWW-Authenticate", `Bearer realm="idp"`)
			msg := "a valid bearer token is required (Authorization: Bearer <token>)"
			if ok {
				msg = "the bearer token is not valid"
			}
			s.metrics.authFailures.Inc()
			writeError(w, http.StatusUnauthorized, api.CodeUnauthorized, msg, "")
			return
		}
		if need := scopeNeeded(r); !scope.Allows(need) {
			s.metrics.authFailures.Inc()
			writeError(w, http.StatusForbidden, api.CodeForbidden,
				fmt.Sprintf("this token's scope is %s: %s %s needs an %s token", scope, r.Method, r.URL.Path, need), "")
			return
		}
		next.ServeHTTP(w, r)
	})
}
