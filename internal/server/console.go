package server

import "github.com/idp/terraform-provider-idp/internal/console"

// apiTokenSignIn lets the console's sign-in form take the API's tokens.
// Tokens carry no scope yet, so every valid one signs in as admin; when
// they do, this is where a token's scope comes from.
type apiTokenSignIn struct{ tokens *Tokens }

func (a apiTokenSignIn) Authenticate(token string) (string, bool) {
	if a.tokens.Valid(token) {
		return console.ScopeAdmin, true
	}
	return "", false
}
