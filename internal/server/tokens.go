package server

import (
	"bufio"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
)

// Scope is what a token may do.
type Scope int

// Scopes, each allowing what the ones before it allow.
const (
	// ScopeRead lists alerts, users, remediations, quarantine and status,
	// and reads the policies and the integration (which hold no secret):
	// every GET, and nothing that changes the engine. `terraform plan`
	// and the idp_alerts data source need no more.
	ScopeRead Scope = iota + 1
	// ScopeAdmin does everything: settings, syncs, pushes.
	ScopeAdmin
)

func (s Scope) String() string {
	switch s {
	case ScopeRead:
		return "read"
	case ScopeAdmin:
		return "admin"
	}
	return fmt.Sprintf("Scope(%d)", int(s))
}

// Allows reports whether a token of scope s may do what needs.
func (s Scope) Allows(need Scope) bool { return s >= need }

// MinTokenLength is the shortest token accepted: 32 characters (as many
// hex digits as 16 random bytes make) keep guessing out of reach.
const MinTokenLength = 32

// Errors of token configuration. Their messages never quote a token.
var (
	// ErrNoTokens: serve mode never runs without authentication.
	ErrNoTokens = errors.New("no API token is configured: give --token-file or IDP_TOKENS")
	// ErrBadToken: a token is too short, or its scope is unknown.
	ErrBadToken = errors.New("unusable API token")
	// ErrLooseTokenFile: the token file can be read or written by users
	// other than its owner.
	ErrLooseTokenFile = errors.New("the token file can be read or written by other users: chmod 600 it")
)

// Tokens is the set of bearer tokens the API accepts, each with its scope.
// Several may be valid at once so that a token can be rotated without
// downtime: add the new one, move clients over, remove the old one. Only
// hashes are kept.
type Tokens struct {
	mu      sync.RWMutex
	entries []tokenEntry
}

type tokenEntry struct {
	hash  [sha256.Size]byte
	scope Scope
}

// NewTokens accepts the given tokens, each written as a token file line
// is (ParseToken); it refuses an empty set and any unusable token.
func NewTokens(tokens []string) (*Tokens, error) {
	t := &Tokens{}
	return t, t.Set(tokens)
}

// Set replaces the accepted tokens (on SIGHUP, say). On error the old
// ones stay.
func (t *Tokens) Set(tokens []string) error {
	if len(tokens) == 0 {
		return ErrNoTokens
	}
	entries := make([]tokenEntry, 0, len(tokens))
	scopes := map[[sha256.Size]byte]Scope{}
	for i, line := range tokens {
		tok, scope, err := ParseToken(line)
		if err != nil {
			return fmt.Errorf("token %d of %d: %w", i+1, len(tokens), err)
		}
		h := sha256.Sum256([]byte(tok))
		if prev, seen := scopes[h]; seen {
			if prev != scope {
				return fmt.Errorf("%w: token %d of %d is also listed with the scope %s", ErrBadToken, i+1, len(tokens), prev)
			}
			continue
		}
		scopes[h] = scope
		entries = append(entries, tokenEntry{hash: h, scope: scope})
	}
	t.mu.Lock()
	t.entries = entries
	t.mu.Unlock()
	return nil
}

// ParseToken reads one token as a token file line holds it: "read:TOKEN"
// or "admin:TOKEN", or a bare TOKEN, which is an admin token (the format of
// token files before scopes). A word before the first colon is a scope and
// must be one of these two, so that a mistyped scope is refused rather
// than read as part of an admin token.
func ParseToken(line string) (token string, scope Scope, err error) {
	token, scope = strings.TrimSpace(line), ScopeAdmin
	if prefix, rest, found := strings.Cut(token, ":"); found && isWord(prefix) {
		switch strings.ToLower(prefix) {
		case "read":
			scope = ScopeRead
		case "admin":
		default:
			return "", 0, fmt.Errorf("%w: unknown scope %q (read or admin)", ErrBadToken, prefix)
		}
		token = strings.TrimSpace(rest)
	}
	if len(token) < MinTokenLength {
		return "", 0, fmt.Errorf("%w: a token is shorter than %d characters (openssl rand -hex 32 makes a good one)", ErrBadToken, MinTokenLength)
	}
	return token, scope, nil
}

func isWord(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') {
			return false
		}
	}
	return true
}

// Scope is the scope of a presented token, and false when no accepted
// token matches. The comparison runs in constant time: hashing first makes
// it independent of the tokens' lengths, and every accepted token is
// compared, whichever matches. A web console signs in with it.
func (t *Tokens) Scope(presented string) (Scope, bool) {
	if presented == "" {
		return 0, false
	}
	return t.ScopeOfDigest(sha256.Sum256([]byte(presented)))
}

// ScopeOfDigest is Scope for a token known by its SHA-256 digest only: a
// console session keeps the digest, never the token, and asks again on
// every request, so that a token removed from the accepted set, or listed
// again with another scope, ends the sessions it opened.
func (t *Tokens) ScopeOfDigest(h [sha256.Size]byte) (Scope, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	found, scope := 0, 0
	for i := range t.entries {
		eq := subtle.ConstantTimeCompare(h[:], t.entries[i].hash[:])
		scope = subtle.ConstantTimeSelect(eq, int(t.entries[i].scope), scope)
		found |= eq
	}
	return Scope(scope), found == 1
}

// Valid reports whether a presented token is accepted, whatever its scope.
func (t *Tokens) Valid(presented string) bool {
	_, ok := t.Scope(presented)
	return ok
}

// ReadTokens reads tokens from a token file (one a line, as ParseToken
// reads them; blank lines and lines starting with # are ignored) and from
// the IDP_TOKENS value (comma or newline separated). Either may be empty;
// the result is their union. A token file that its group or others may
// read or write is refused (a pipe, such as /dev/stdin, is not checked),
// and so is an unusable token, named by its line.
func ReadTokens(file, env string) ([]string, error) {
	var tokens []string
	seen := map[string]bool{}
	add := func(where string, tok string) error {
		tok = strings.TrimSpace(tok)
		if tok == "" || strings.HasPrefix(tok, "#") || seen[tok] {
			return nil
		}
		if _, _, err := ParseToken(tok); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		seen[tok] = true
		tokens = append(tokens, tok)
		return nil
	}
	if file != "" {
		f, err := os.Open(file)
		if err != nil {
			return nil, fmt.Errorf("reading the token file: %w", err)
		}
		defer f.Close()
		info, err := f.Stat()
		if err != nil {
			return nil, fmt.Errorf("reading the token file: %w", err)
		}
		if info.Mode().IsRegular() && info.Mode().Perm()&0o077 != 0 {
			return nil, fmt.Errorf("%w (%s, mode %s)", ErrLooseTokenFile, file, info.Mode().Perm())
		}
		n := 0
		err = scanLines(f, func(line string) error {
			n++
			return add(fmt.Sprintf("the token file %s, line %d", file, n), line)
		})
		if err != nil {
			return nil, err
		}
	}
	for i, entry := range strings.FieldsFunc(env, func(r rune) bool { return r == ',' || r == '\n' }) {
		if err := add(fmt.Sprintf("IDP_TOKENS, entry %d", i+1), entry); err != nil {
			return nil, err
		}
	}
	if len(tokens) == 0 {
		return nil, ErrNoTokens
	}
	return tokens, nil
}

func scanLines(r io.Reader, fn func(string) error) error {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if err := fn(sc.Text()); err != nil {
			return err
		}
	}
	return sc.Err()
}
