package server

import (
	"bufio"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
)

// Tokens is the set of bearer tokens the API accepts. Several may be valid
// at once so that a token can be rotated without downtime: add the new one,
// move clients over, remove the old one. Only hashes are kept.
type Tokens struct {
	mu     sync.RWMutex
	hashes [][sha256.Size]byte
}

// ErrNoTokens: serve mode never runs without authentication.
var ErrNoTokens = errors.New("no API token is configured: give --token-file or IDP_TOKENS")

// NewTokens accepts the given tokens; it refuses an empty set.
func NewTokens(tokens []string) (*Tokens, error) {
	t := &Tokens{}
	return t, t.Set(tokens)
}

// Set replaces the accepted tokens (on SIGHUP, say).
func (t *Tokens) Set(tokens []string) error {
	if len(tokens) == 0 {
		return ErrNoTokens
	}
	hashes := make([][sha256.Size]byte, len(tokens))
	for i, tok := range tokens {
		hashes[i] = sha256.Sum256([]byte(tok))
	}
	t.mu.Lock()
	t.hashes = hashes
	t.mu.Unlock()
	return nil
}

// Valid compares a presented token with every accepted one in constant
// time: hashing first makes the comparison independent of the tokens'
// lengths, and no comparison stops early.
func (t *Tokens) Valid(presented string) bool {
	h := sha256.Sum256([]byte(presented))
	t.mu.RLock()
	defer t.mu.RUnlock()
	ok := 0
	for i := range t.hashes {
		ok |= subtle.ConstantTimeCompare(h[:], t.hashes[i][:])
	}
	return ok == 1 && presented != ""
}

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

// requireToken answers 401 to a request without a valid bearer token. The
// presented token is never logged or echoed.
func (s *Server) requireToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearer(r)
		if !ok || !s.tokens.Valid(token) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="idp"`)
			msg := "a valid bearer token is required (Authorization: Bearer <token>)"
			if ok {
				msg = "the bearer token is not valid"
			}
			s.metrics.authFailures.Inc()
			writeError(w, http.StatusUnauthorized, codeUnauthorized, msg, "")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// ReadTokens reads tokens from a token file (one a line; blank lines and
// lines starting with # are ignored) and from the IDP_TOKENS value (comma
// or newline separated). Either may be empty; the result is their union.
func ReadTokens(file, env string) ([]string, error) {
	var tokens []string
	seen := map[string]bool{}
	add := func(tok string) {
		tok = strings.TrimSpace(tok)
		if tok != "" && !strings.HasPrefix(tok, "#") && !seen[tok] {
			seen[tok] = true
			tokens = append(tokens, tok)
		}
	}
	if file != "" {
		f, err := os.Open(file)
		if err != nil {
			return nil, fmt.Errorf("reading the token file: %w", err)
		}
		defer f.Close()
		if err := scanLines(f, add); err != nil {
			return nil, fmt.Errorf("reading the token file %s: %w", file, err)
		}
	}
	for _, line := range strings.Split(env, "\n") {
		for _, tok := range strings.Split(line, ",") {
			add(tok)
		}
	}
	if len(tokens) == 0 {
		return nil, ErrNoTokens
	}
	return tokens, nil
}

func scanLines(r io.Reader, fn func(string)) error {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		fn(sc.Text())
	}
	return sc.Err()
}
