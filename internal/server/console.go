package server

import (
	"crypto/sha256"

	"github.com/idp/terraform-provider-idp/internal/console"
)

// apiTokenSignIn lets the console's sign-in form take the API's tokens,
// each with its scope: read tokens sign in to a read-only console (every
// console is read-only), admin tokens too.
type apiTokenSignIn struct{ tokens *Tokens }

func (a apiTokenSignIn) Authenticate(token string) (string, bool) {
	scope, ok := a.tokens.Scope(token)
	return consoleScope(scope, ok)
}

func (a apiTokenSignIn) ScopeOfDigest(digest [sha256.Size]byte) (string, bool) {
	scope, ok := a.tokens.ScopeOfDigest(digest)
	return consoleScope(scope, ok)
}

func consoleScope(scope Scope, ok bool) (string, bool) {
	switch {
	case !ok:
		return "", false
	case scope == ScopeRead:
		return console.ScopeRead, true
	case scope == ScopeAdmin:
		return console.ScopeAdmin, true
	}
	return "", false
}
