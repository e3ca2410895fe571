package graph_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph/graphtest"
)

func TestCheckHost(t *testing.T) {
	for _, tc := range []struct {
		url   string
		extra []string
		ok    bool
	}{
		{"https://login.microsoftonline.com", nil, true},
		{"https://LOGIN.microsoftonline.com.", nil, true},
		{"https://login.microsoftonline.us/", nil, true},
		{"https://login.chinacloudapi.cn", nil, true},
		{"https://graph.microsoft.com/beta", nil, true},
		{"https://graph.microsoft.us", nil, true},
		{"https://dod-graph.microsoft.us", nil, true},
		{"https://microsoftgraph.chinacloudapi.cn", nil, true},
		{"https://graph.microsoft.com:443", nil, true},
		{"https://graph.microsoft.com:8443", nil, false},
		{"https://graph.microsoft.com.attacker.example", nil, false},
		{"https://attacker.example", nil, false},
		{"http://127.0.0.1:9000", nil, false},
		{"http://127.0.0.1:9000", []string{"127.0.0.1"}, true},
		{"http://127.0.0.1:9000", []string{" 127.0.0.1:9000 "}, true},
		{"http://127.0.0.1:9001", []string{"127.0.0.1:9000"}, false},
		{"http://[::1]:9000", []string{"::1"}, true},
		{"http://[::1]:9000", []string{"[::1]:9000"}, true},
		{"https://graph.contoso.example", []string{"Graph.Contoso.Example"}, true},
	} {
		err := graph.CheckHost("graph_url", tc.url, tc.extra)
		if tc.ok && err != nil {
			t.Errorf("CheckHost(%s, %v) = %v, want allowed", tc.url, tc.extra, err)
		}
		if !tc.ok && (!errors.Is(err, graph.ErrHostNotAllowed) || !errors.Is(err, engine.ErrInvalid) || !strings.Contains(err.Error(), "graph_url")) {
			t.Errorf("CheckHost(%s, %v) = %v, want ErrHostNotAllowed naming graph_url", tc.url, tc.extra, err)
		}
	}
	if got := graph.ParseAllowedHosts(" a.example, ,b.example:8443,"); len(got) != 2 || got[0] != "a.example" || got[1] != "b.example:8443" {
		t.Errorf("ParseAllowedHosts = %q", got)
	}
}

// catcher is a listener of the attacker's: it records every request that
// reaches it, with its headers and body.
type catcher struct {
	srv  *httptest.Server
	mu   sync.Mutex
	seen []string
}

func newCatcher(t *testing.T) *catcher {
	c := &catcher{}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		c.mu.Lock()
		c.seen = append(c.seen, r.Header.Get("Authorization")+" "+string(b))
		c.mu.Unlock()
		http.Error(w, "caught", http.StatusTeapot)
	}))
	t.Cleanup(c.srv.Close)
	return c
}

func (c *catcher) requests() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.seen...)
}

// A token endpoint or a Graph endpoint that redirects elsewhere gets an
// error, not the secret or the token resent to the redirect's target,
// even when the target is an allowed host.
func TestRedirectsAreNotFollowed(t *testing.T) {
	evil := newCatcher(t)
	srv := graphtest.NewServer(tenant, clientID, secret)
	defer srv.Close()
	if err := srv.AddDetections(detections(3)...); err != nil {
		t.Fatal(err)
	}
	evilURL, _ := url.Parse(evil.srv.URL)
	for _, redirectToken := range []bool{true, false} {
		front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			isToken := strings.HasSuffix(r.URL.Path, "/token")
			if isToken == redirectToken {
				http.Redirect(w, r, evil.srv.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
				return
			}
			target, _ := url.Parse(srv.URL)
			r.URL.Scheme, r.URL.Host, r.RequestURI = target.Scheme, target.Host, ""
			resp, err := http.DefaultTransport.RoundTrip(r)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			defer resp.Body.Close()
			for k, v := range resp.Header {
				w.Header()[k] = v
			}
			w.WriteHeader(resp.StatusCode)
			io.Copy(w, resp.Body)
		}))
		frontURL, _ := url.Parse(front.URL)
		c, err := graph.New(graph.Config{
			TenantID: tenant, ClientID: clientID, ClientSecret: secret,
			AuthorityURL: front.URL, GraphURL: front.URL, RequestsPerSecond: -1, MaxAttempts: 1,
			// Both hosts allowed: redirects are refused all the same.
			AllowHosts: []string{frontURL.Host, evilURL.Host},
		})
		if err != nil {
			t.Fatal(err)
		}
		err = c.PullDetections(context.Background(), "", func([][]byte, string) error { return nil })
		front.Close()
		if err == nil {
			t.Errorf("redirect of the token request %v: the pull succeeded", redirectToken)
		}
	}
	if got := evil.requests(); len(got) > 0 {
		t.Fatalf("the redirect target was sent %d requests: %q", len(got), got)
	}
}
