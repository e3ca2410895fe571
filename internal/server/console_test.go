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
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := browser.Get(f.url + path)
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
		resp, err := browser.PostForm(f.url+"/signin", url.Values{"csrf": {m[1]}, "token": {token}})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
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
