package graphtest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"time"
)

// token is the client-credentials grant of the Microsoft identity
// platform's v2.0 endpoint: a form with client_id, client_secret (or HTTP
// Basic), grant_type and scope "<graph>/.default".
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	form, _ := url.ParseQuery(string(body))
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.TokenRequests++
	b := &s.behavior
	echo := ""
	if b.EchoTokenRequests {
		echo = " Request: " + string(body)
	}
	if b.TokenUnavailableNext > 0 {
		b.TokenUnavailableNext--
		http.Error(w, "service unavailable."+echo, http.StatusServiceUnavailable)
		return
	}
	id, secret := form.Get("client_id"), form.Get("client_secret")
	if u, p, ok := r.BasicAuth(); ok {
		id, secret = u, p
	}
	fail := func(status int, code, desc string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{
			"error": code, "error_description": desc + echo,
			"error_codes": []int{0}, "timestamp": s.now().UTC().Format(time.DateTime),
		})
	}
	switch {
	case r.PathValue("tenant") != s.TenantID:
		fail(http.StatusBadRequest, "invalid_tenant", "AADSTS90002: Tenant '"+r.PathValue("tenant")+"' not found.")
	case form.Get("grant_type") != "client_credentials":
		fail(http.StatusBadRequest, "unsupported_grant_type", "AADSTS70003: The app requested an unsupported grant type.")
	case id != s.ClientID:
		fail(http.StatusBadRequest, "unauthorized_client", "AADSTS700016: Application with identifier '"+id+"' was not found in the directory.")
	case secret != s.ClientSecret:
		fail(http.StatusUnauthorized, "invalid_client", "AADSTS7000215: Invalid client secret provided.")
	case form.Get("scope") != s.URL+"/.default":
		fail(http.StatusBadRequest, "invalid_scope", "AADSTS1002012: The provided value for scope "+form.Get("scope")+" is not valid.")
	default:
		lifetime := b.TokenLifetime
		if lifetime <= 0 {
			lifetime = time.Hour
		}
		buf := make([]byte, 24)
		_, _ = rand.Read(buf)
		tok := hex.EncodeToString(buf)
		s.tokens[tok] = s.now().Add(lifetime)
		s.stats.TokensIssued++
		w.Header().Set("Content-Type", "application/json")
		secs := int(lifetime / time.Second)
		_ = json.NewEncoder(w).Encode(map[string]any{
			"token_type": "Bearer", "expires_in": secs, "ext_expires_in": secs, "access_token": tok,
		})
	}
}
