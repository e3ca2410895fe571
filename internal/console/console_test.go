package console_test

import (
	"crypto/tls"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/idp/terraform-provider-idp/internal/console"
	"github.com/idp/terraform-provider-idp/internal/engine"
)

// client is a browser without JavaScript: cookies, no redirects followed
// unless asked.
type client struct {
	t    *testing.T
	base string
	http *http.Client
}

func newClient(t *testing.T, base string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: base, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// answer is what a request got back; its body is read and closed.
type answer struct {
	StatusCode int
	Header     http.Header
	cookies    []*http.Cookie
}

func (a answer) Cookies() []*http.Cookie { return a.cookies }

func (c *client) do(method, path string, form url.Values, header ...string) (answer, string) {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{StatusCode: resp.StatusCode, Header: resp.Header, cookies: resp.Cookies()}, string(b)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func formToken(t *testing.T, page string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no csrf field in the page:\n%s", page)
	}
	return m[1]
}

// signIn signs in with a token and returns the answer to the form.
func (c *client) signIn(token, next string) answer {
	c.t.Helper()
	_, page := c.do("GET", "/signin", nil)
	resp, _ := c.do("POST", "/signin", url.Values{"csrf": {formToken(c.t, page)}, "token": {token}, "next": {next}})
	return resp
}

func TestSignIn(t *testing.T) {
	s := newStand(t)
	cases := []struct {
		name, token string
		status      int
	}{
		{"wrong token", "not-a-token-0123456789abcdef0123456789", http.StatusUnauthorized},
		{"empty token", "", http.StatusUnauthorized},
		{"a scope that may not sign in", metricsToken, http.StatusForbidden},
		{"read token", readToken, http.StatusSeeOther},
		{"admin token", adminToken, http.StatusSeeOther},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t, s.URL)
			resp := c.signIn(tc.token, "/alerts?status=open")
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			var session *http.Cookie
			for _, ck := range resp.Cookies() {
				if ck.Name == "idp_session" {
					session = ck
				}
			}
			if tc.status != http.StatusSeeOther {
				if session != nil {
					t.Fatalf("a refused sign-in set a session cookie")
				}
				if r, _ := c.do("GET", "/alerts", nil); r.StatusCode != http.StatusSeeOther {
					t.Fatalf("after a refused sign-in a page answered %d, want a redirect to sign in", r.StatusCode)
				}
				return
			}
			if got := resp.Header.Get("Location"); got != "/alerts?status=open" {
				t.Fatalf("sign-in sent the browser to %q, want back to the page asked for", got)
			}
			if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteStrictMode || session.Secure ||
				session.MaxAge != int(console.DefaultSessionLifetime/time.Second) || session.Path != "/" {
				t.Fatalf("session cookie = %+v; want HttpOnly, SameSite=Strict, an expiry, not Secure over plain HTTP", session)
			}
			if strings.Contains(session.Value, tc.token) || len(session.Value) < 40 {
				t.Fatalf("the session cookie carries the token or too little randomness: %q", session.Value)
			}
			if r, body := c.do("GET", "/", nil); r.StatusCode != http.StatusOK || !strings.Contains(body, "Signed in: "+scopeOf(tc.token)) {
				t.Fatalf("overview after sign-in: %d", r.StatusCode)
			}
		})
	}
}

func scopeOf(token string) string {
	scope, _ := signIn.Authenticate(token)
	return scope
}

func TestSignInRefusesForgedForms(t *testing.T) {
	s := newStand(t)
	c := newClient(t, s.URL)
	_, page := c.do("GET", "/signin", nil)
	good := formToken(t, page)
	cases := []struct {
		name   string
		form   url.Values
		header []string
	}{
		{"no form token", url.Values{"token": {readToken}}, nil},
		{"a made-up form token", url.Values{"token": {readToken}, "csrf": {"AAAA"}}, nil},
		{"from another site", url.Values{"token": {readToken}, "csrf": {good}}, []string{"Sec-Fetch-Site", "cross-site"}},
		{"another origin", url.Values{"token": {readToken}, "csrf": {good}}, []string{"Origin", "https://evil.example"}},
	}
	for _, tc := range cases {
		resp, _ := c.do("POST", "/signin", tc.form, tc.header...)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", tc.name, resp.StatusCode)
		}
	}
	// A form token from another browser (another nonce cookie) fails too.
	other := newClient(t, s.URL)
	if resp, _ := other.do("POST", "/signin", url.Values{"token": {readToken}, "csrf": {good}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a form token without its nonce cookie: status %d, want 403", resp.StatusCode)
	}
}

func TestSignOut(t *testing.T) {
	s := newStand(t)
	c := newClient(t, s.URL)
	c.signIn(readToken, "/")
	_, page := c.do("GET", "/", nil)
	if resp, _ := c.do("POST", "/signout", url.Values{"csrf": {"wrong"}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("sign-out without the session's form token: status %d, want 403", resp.StatusCode)
	}
	if resp, _ := c.do("GET", "/", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("a refused sign-out ended the session")
	}
	resp, _ := c.do("POST", "/signout", url.Values{"csrf": {formToken(t, page)}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin" {
		t.Fatalf("sign-out: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := c.do("GET", "/", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("after sign-out the overview answered %d, want a redirect to sign in", resp.StatusCode)
	}
}

func TestPagesNeedASession(t *testing.T) {
	s := newStand(t)
	c := newClient(t, s.URL)
	for _, path := range []string{"/", "/alerts?policy=risky_sign_in&status=open", "/alerts/abc", "/users", "/users/x",
		"/remediations", "/quarantine", "/policies", "/nowhere"} {
		resp, body := c.do("GET", path, nil)
		want := "/signin"
		if path != "/" {
			want += "?next=" + url.QueryEscape(path)
		}
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
			t.Errorf("GET %s: %d to %q, want 303 to %q", path, resp.StatusCode, resp.Header.Get("Location"), want)
		}
		if strings.Contains(body, "<table") {
			t.Errorf("GET %s without a session showed engine data", path)
		}
	}
	// The API keeps its own authentication, answering JSON.
	resp, body := c.do("GET", "/v1/alerts", nil)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `"code"`) {
		t.Errorf("GET /v1/alerts without a token: %d %s", resp.StatusCode, body)
	}
}

// A session ends after its lifetime, and after idling; a refused session
// goes back to the sign-in page.
func TestSessionsExpire(t *testing.T) {
	now := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	c, err := console.New(console.Config{Engine: fakeEngine{}, Auth: signIn, Now: clock, SessionLifetime: 8 * time.Hour, IdleTimeout: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ts := newTestServer(t, c)
	b := newClient(t, ts)
	b.signIn(readToken, "/")
	for _, step := range []struct {
		advance time.Duration
		ok      bool
	}{{50 * time.Minute, true}, {50 * time.Minute, true}, {61 * time.Minute, false}} {
		now = now.Add(step.advance)
		resp, _ := b.do("GET", "/policies", nil)
		if (resp.StatusCode == http.StatusOK) != step.ok {
			t.Fatalf("after %v idle: %d, want ok=%v", step.advance, resp.StatusCode, step.ok)
		}
	}
	b.signIn(readToken, "/")
	for i := 0; i < 16; i++ {
		now = now.Add(30 * time.Minute)
		b.do("GET", "/policies", nil)
	}
	if resp, _ := b.do("GET", "/policies", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("a session past its 8-hour lifetime still answered %d", resp.StatusCode)
	}
}

func TestSessionsAreCapped(t *testing.T) {
	c, err := console.New(console.Config{Engine: fakeEngine{}, Auth: signIn, MaxSessions: 3})
	if err != nil {
		t.Fatal(err)
	}
	ts := newTestServer(t, c)
	var browsers []*client
	for i := 0; i < 5; i++ {
		b := newClient(t, ts)
		b.signIn(readToken, "/")
		browsers = append(browsers, b)
	}
	live := 0
	for _, b := range browsers {
		if resp, _ := b.do("GET", "/policies", nil); resp.StatusCode == http.StatusOK {
			live++
		}
	}
	if live != 3 {
		t.Fatalf("%d sessions live, want the cap of 3 (the newest)", live)
	}
	if resp, _ := browsers[4].do("GET", "/policies", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("the newest session was the one dropped")
	}
}

func TestSecureCookieOverTLS(t *testing.T) {
	c, err := console.New(console.Config{Engine: fakeEngine{}, Auth: signIn})
	if err != nil {
		t.Fatal(err)
	}
	ts := newTLSTestServer(t, c)
	b := newClient(t, ts.URL)
	b.http.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ts.pool}}
	resp := b.signIn(readToken, "/")
	var found bool
	for _, ck := range resp.Cookies() {
		if ck.Name == "idp_session" {
			found = true
			if !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode {
				t.Fatalf("session cookie over TLS = %+v, want Secure, HttpOnly, SameSite=Strict", ck)
			}
		}
	}
	if !found {
		t.Fatalf("no session cookie (status %d)", resp.StatusCode)
	}
	if hsts := resp.Header.Get("Strict-Transport-Security"); hsts == "" {
		t.Fatalf("no Strict-Transport-Security over TLS")
	}
}

// Every page: the security headers, no script, no inline style, no
// address of another host, nothing cached, and only GET.
func TestPagesAreLockedDown(t *testing.T) {
	s := newStand(t)
	c := newClient(t, s.URL)
	c.signIn(readToken, "/")
	alerts, err := s.svc.Alerts(t.Context(), engine.AlertQuery{Limit: 1})
	if err != nil || len(alerts.Alerts) == 0 {
		t.Fatalf("the stand has no alert: %v", err)
	}
	a := alerts.Alerts[0]
	paths := []string{"/", "/?policy=risky_sign_in&days=7", "/alerts", "/alerts?policy=leaked_credentials&min_severity=high&status=open&since=2025-05-20&until=2025-06-01&page=2",
		"/alerts/" + a.ID, "/users", "/users/" + a.UserID, "/remediations", "/quarantine", "/policies", "/signin"}
	attr := regexp.MustCompile(`(?i)\s(on[a-z]+|style)\s*=`)
	offsite := regexp.MustCompile(`(?i)(src|href|action)="(https?:)?//`)
	for _, path := range paths {
		resp, body := c.do("GET", path, nil)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", path, resp.StatusCode)
			continue
		}
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "script-src") {
			t.Errorf("GET %s: Content-Security-Policy %q", path, csp)
		}
		for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
			"Referrer-Policy": "same-origin", "Cache-Control": "no-store"} {
			if got := resp.Header.Get(h); got != want {
				t.Errorf("GET %s: %s = %q, want %q", path, h, got, want)
			}
		}
		if strings.Contains(strings.ToLower(body), "<script") || strings.Contains(strings.ToLower(body), "<style") || attr.MatchString(body) {
			t.Errorf("GET %s: the page has a script, a style element or an inline handler or style", path)
		}
		if m := offsite.FindString(body); m != "" {
			t.Errorf("GET %s: the page names another host: %s", path, m)
		}
	}
	for _, path := range []string{"/", "/alerts", "/policies"} {
		for _, method := range []string{"POST", "PUT", "DELETE"} {
			if resp, _ := c.do(method, path, url.Values{}); resp.StatusCode != http.StatusMethodNotAllowed {
				t.Errorf("%s %s: %d, want 405: the console only reads", method, path, resp.StatusCode)
			}
		}
	}
	if resp, _ := c.do("GET", "/no/such/page", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown page: %d, want 404", resp.StatusCode)
	}
	if resp, _ := c.do("GET", "/alerts/not-an-alert", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown alert: %d, want 404", resp.StatusCode)
	}
}

func TestSignInRedirectStaysHere(t *testing.T) {
	s := newStand(t)
	for _, next := range []string{"//evil.example/x", "https://evil.example/", `/\evil.example`, "javascript:alert(1)", "alerts"} {
		c := newClient(t, s.URL)
		resp := c.signIn(readToken, next)
		if got := resp.Header.Get("Location"); got != "/" {
			t.Errorf("next=%q sent the browser to %q, want /", next, got)
		}
	}
}

// The Graph client secret shows as set, never as itself.
func TestSecretNeverShown(t *testing.T) {
	const secret = "graph-client-secret-value-1234"
	in := engine.DefaultIntegration()
	in.Source = &engine.Source{Graph: &engine.GraphSource{TenantID: "tenant-1", ClientID: "client-1", ClientSecret: secret}}
	c, err := console.New(console.Config{Engine: fakeEngine{integration: in}, Auth: signIn})
	if err != nil {
		t.Fatal(err)
	}
	b := newClient(t, newTestServer(t, c))
	b.signIn(readToken, "/")
	resp, body := b.do("GET", "/policies", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "client-1") {
		t.Fatalf("policies page: %d", resp.StatusCode)
	}
	if strings.Contains(body, secret) || strings.Contains(body, secret[:10]) {
		t.Fatalf("the policies page shows the client secret")
	}
	if !regexp.MustCompile(`client secret</th><td>set<`).MatchString(body) {
		t.Fatalf("the policies page does not say the secret is set")
	}
}
