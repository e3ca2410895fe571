package server_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/idp/terraform-provider-idp/internal/server"
)

// The console signs in with the API's own tokens unless told otherwise;
// until tokens carry scopes each is an admin token. A token the API
// refuses, the console refuses too, and the token never reaches the log.
func TestConsoleSignsInWithAPITokens(t *testing.T) {
	f := newFixture(t, server.Config{})
	browser, get, signIn := newBrowser(t, f.url)
	if status, page := get("/"); status != http.StatusOK || !strings.Contains(page, `action="/signin"`) {
		t.Fatalf("/ without a session: %d, want the sign-in form", status)
	}
	if status, _ := signIn("token-c-not-configured"); status != http.StatusUnauthorized {
		t.Fatalf("a token the API does not accept: %d, want 401", status)
	}
	status, page := signIn(tokenB)
	if status != http.StatusOK || !strings.Contains(page, "Signed in: admin token") || !strings.Contains(page, `id="open-count"`) {
		t.Fatalf("an API token: %d, want the overview, signed in as admin", status)
	}
	if strings.Contains(f.logs.String(), tokenB) || strings.Contains(f.logs.String(), "token-c-not-configured") {
		t.Fatalf("a token reached the log")
	}
	// The API still answers JSON, and only with a bearer token: the
	// console's session is no API credential.
	resp, err := browser.Get(f.url + "/v1/alerts")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("/v1/alerts with the console's cookie and no token: %d, want 401", resp.StatusCode)
	}
}

// newBrowser is a cookie-keeping client of the console at base, with a GET
// and a sign-in through the form, each returning the status and page.
func newBrowser(t *testing.T, base string) (*http.Client, func(path string) (int, string), func(token string) (int, string)) {
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := browser.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	signIn := func(token string) (int, string) {
		t.Helper()
		_, form := get("/signin")
		m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(form)
		if m == nil {
			t.Fatalf("no sign-in form at /signin: %s", form)
		}
		resp, err := browser.PostForm(base+"/signin", url.Values{"csrf": {m[1]}, "token": {token}})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	return browser, get, signIn
}

// A token withdrawn from the accepted set (the token file reloaded on
// SIGHUP) ends the console sessions it opened at their next request, and
// so does a token listed again with a narrower scope; the sessions of the
// tokens that stay are untouched.
func TestConsoleSessionEndsWithItsToken(t *testing.T) {
	f := newFixture(t, server.Config{})
	_, getA, signInA := newBrowser(t, f.url)
	_, getB, signInB := newBrowser(t, f.url)
	if status, page := signInA(tokenA); status != http.StatusOK || !strings.Contains(page, "Signed in: admin token") {
		t.Fatalf("sign-in with token A: %d", status)
	}
	if status, page := signInB(tokenB); status != http.StatusOK || !strings.Contains(page, "Signed in: admin token") {
		t.Fatalf("sign-in with token B: %d", status)
	}
	signedIn := func(get func(string) (int, string)) bool {
		t.Helper()
		status, page := get("/policies")
		return status == http.StatusOK && !strings.Contains(page, `action="/signin"`)
	}

	// Token A withdrawn: its session ends, B's stays.
	if err := f.tokens.Set([]string{tokenB}); err != nil {
		t.Fatal(err)
	}
	if signedIn(getA) {
		t.Fatalf("the session of a withdrawn token still shows pages")
	}
	if !signedIn(getB) {
		t.Fatalf("withdrawing token A ended token B's session")
	}
	// Token A back: the ended session stays ended.
	if err := f.tokens.Set([]string{tokenA, tokenB}); err != nil {
		t.Fatal(err)
	}
	if signedIn(getA) {
		t.Fatalf("a session ended with its token came back with it")
	}
	// Token B narrowed to read: its admin session ends; signing in again
	// gives a read session.
	if err := f.tokens.Set([]string{tokenA, "read:" + tokenB}); err != nil {
		t.Fatal(err)
	}
	if signedIn(getB) {
		t.Fatalf("an admin session outlived its token's narrowing to read")
	}
	if status, page := signInB(tokenB); status != http.StatusOK || !strings.Contains(page, "Signed in: read token") {
		t.Fatalf("sign-in again with the narrowed token: %d", status)
	}
	if strings.Contains(f.logs.String(), tokenA) || strings.Contains(f.logs.String(), tokenB) {
		t.Fatalf("a token reached the log")
	}
}
