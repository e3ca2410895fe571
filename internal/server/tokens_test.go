package server_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/idp/terraform-provider-idp/internal/server"
)

const (
	scopeReadToken  = "read-token-5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b"
	scopeAdminToken = "admin-token-1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d"
)

func TestParseToken(t *testing.T) {
	for _, tc := range []struct {
		line  string
		token string
		scope server.Scope
		err   bool
	}{
		{scopeReadToken, scopeReadToken, server.ScopeAdmin, false},
		{"read:" + scopeReadToken, scopeReadToken, server.ScopeRead, false},
		{"  READ: " + scopeReadToken + " ", scopeReadToken, server.ScopeRead, false},
		{"admin:" + scopeAdminToken, scopeAdminToken, server.ScopeAdmin, false},
		// A colon after something that is not a word is part of the token.
		{"k3y:" + scopeAdminToken, "k3y:" + scopeAdminToken, server.ScopeAdmin, false},
		{"reed:" + scopeReadToken, "", 0, true},
		{"read:tiny9", "", 0, true},
		{"x", "", 0, true},
		{strings.Repeat("a", server.MinTokenLength-1), "", 0, true},
		{strings.Repeat("a", server.MinTokenLength), strings.Repeat("a", server.MinTokenLength), server.ScopeAdmin, false},
	} {
		tok, scope, err := server.ParseToken(tc.line)
		if tc.err {
			if !errors.Is(err, server.ErrBadToken) {
				t.Errorf("ParseToken(%q) = %v, want ErrBadToken", tc.line, err)
			}
			if secret := strings.TrimPrefix(tc.line, "read:"); err != nil && len(secret) >= 5 && strings.Contains(err.Error(), secret) {
				t.Errorf("the error quotes the token: %v", err)
			}
			continue
		}
		if err != nil || tok != tc.token || scope != tc.scope {
			t.Errorf("ParseToken(%q) = %q, %v, %v; want %q, %v", tc.line, tok, scope, err, tc.token, tc.scope)
		}
	}
}

func TestTokensScope(t *testing.T) {
	tokens, err := server.NewTokens([]string{"read:" + scopeReadToken, scopeAdminToken})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		presented string
		scope     server.Scope
		ok        bool
	}{
		{scopeReadToken, server.ScopeRead, true},
		{scopeAdminToken, server.ScopeAdmin, true},
		{"read:" + scopeReadToken, 0, false},
		{scopeReadToken[:20], 0, false},
		{"", 0, false},
	} {
		scope, ok := tokens.Scope(tc.presented)
		if scope != tc.scope || ok != tc.ok {
			t.Errorf("Scope(%q) = %v, %v; want %v, %v", tc.presented, scope, ok, tc.scope, tc.ok)
		}
	}
	if !server.ScopeAdmin.Allows(server.ScopeRead) || server.ScopeRead.Allows(server.ScopeAdmin) {
		t.Error("Allows is not ordered read < admin")
	}
	if err := tokens.Set([]string{"read:" + scopeReadToken, "admin:" + scopeReadToken}); !errors.Is(err, server.ErrBadToken) {
		t.Errorf("one token with two scopes = %v, want ErrBadToken", err)
	}
	if scope, ok := tokens.Scope(scopeAdminToken); !ok || scope != server.ScopeAdmin {
		t.Error("a refused Set changed the accepted tokens")
	}
}

func TestTokenFileRules(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good", "# scopes\nread:"+scopeReadToken+"\n"+scopeAdminToken+"\n", 0o600)
	got, err := server.ReadTokens(good, "")
	if err != nil || len(got) != 2 {
		t.Fatalf("ReadTokens(good) = %v, %v", got, err)
	}
	for _, mode := range []os.FileMode{0o640, 0o604, 0o620} {
		path := write("loose", scopeAdminToken+"\n", mode)
		if _, err := server.ReadTokens(path, ""); !errors.Is(err, server.ErrLooseTokenFile) {
			t.Errorf("mode %v: %v, want ErrLooseTokenFile", mode, err)
		}
	}
	short := write("short", "# fine\n"+scopeAdminToken+"\nabc\n", 0o600)
	if _, err := server.ReadTokens(short, ""); !errors.Is(err, server.ErrBadToken) || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("a short token in the file = %v, want ErrBadToken naming line 3", err)
	}
	if _, err := server.ReadTokens("", scopeAdminToken+",x"); !errors.Is(err, server.ErrBadToken) || !strings.Contains(err.Error(), "IDP_TOKENS, entry 2") {
		t.Errorf("a short token in IDP_TOKENS = %v, want ErrBadToken naming entry 2", err)
	}
}
