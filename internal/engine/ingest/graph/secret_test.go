package graph_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph/graphtest"
)

// recorder keeps the token endpoint's answers, to prove that the server
// did echo the secret the client then kept out of its errors.
type recorder struct {
	mu     sync.Mutex
	bodies []string
	next   http.RoundTripper
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if err != nil || !strings.Contains(req.URL.Path, "/oauth2/") {
		return resp, err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	r.mu.Lock()
	r.bodies = append(r.bodies, string(b))
	r.mu.Unlock()
	return resp, nil
}

// chain is every text an error shows, down its whole Unwrap tree.
func chain(err error) []string {
	var out []string
	for queue := []error{err}; len(queue) > 0; queue = queue[1:] {
		e := queue[0]
		if e == nil {
			continue
		}
		out = append(out, e.Error(), fmt.Sprintf("%+v", e), fmt.Sprintf("%#v", e))
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			queue = append(queue, u.Unwrap())
		case interface{ Unwrap() []error }:
			queue = append(queue, u.Unwrap()...)
		}
	}
	return out
}

func TestSecretNeverInLogsOrErrors(t *testing.T) {
	forms := []string{secret, url.QueryEscape(secret), url.PathEscape(secret)}
	for _, tc := range []struct {
		name string
		// serverSecret is what the fake expects; echo makes it repeat the
		// token request (the secret included) in its error answers.
		serverSecret string
		behavior     graphtest.Behavior
		wantErr      error
		wantEcho     bool
	}{
		{name: "refused secret echoed by the token endpoint", serverSecret: "another-secret",
			behavior: graphtest.Behavior{EchoTokenRequests: true}, wantErr: graph.ErrAuth, wantEcho: true},
		{name: "token endpoint down, echoing", serverSecret: secret,
			behavior: graphtest.Behavior{EchoTokenRequests: true, TokenUnavailableNext: 100}, wantErr: graph.ErrExhausted, wantEcho: true},
		{name: "forbidden", serverSecret: secret,
			behavior: graphtest.Behavior{DenyPermissions: []string{graph.PermissionRiskDetections, graph.PermissionRiskyUsers, graph.PermissionManagedDevices}}, wantErr: graph.ErrPermission},
		{name: "throttled and expiring, then fine", serverSecret: secret,
			behavior: graphtest.Behavior{ThrottleEvery: 3, UnavailableEvery: 7}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := graphtest.NewServer(tenant, clientID, tc.serverSecret)
			defer srv.Close()
			srv.SetBehavior(tc.behavior)
			if err := srv.AddDetections(detections(30)...); err != nil {
				t.Fatal(err)
			}
			logs := &syncBuffer{}
			rec := &recorder{next: http.DefaultTransport}
			c, err := graph.New(graph.Config{
				TenantID: tenant, ClientID: clientID, ClientSecret: secret,
				AuthorityURL: srv.URL, GraphURL: srv.URL, AllowHosts: []string{srv.Host()}, PageSize: 10, MaxAttempts: 5,
				RequestsPerSecond: -1, HTTPClient: &http.Client{Transport: rec},
				Sleep:  func(ctx context.Context, _ time.Duration) error { return ctx.Err() },
				Logger: hclog.New(&hclog.LoggerOptions{Level: hclog.Trace, Output: logs}),
			})
			if err != nil {
				t.Fatal(err)
			}
			var errs []error
			errs = append(errs, c.PullDetections(context.Background(), "", func([][]byte, string) error {
				srv.ExpireTokens() // a refresh after every page
				return nil
			}))
			errs = append(errs, c.PullDevices(context.Background(), func([][]byte) error { return nil }))
			for _, r := range c.ConfirmCompromised(context.Background(), []string{"u1", "u2"}) {
				errs = append(errs, r.Err)
			}
			if tc.wantErr != nil && !errors.Is(errs[0], tc.wantErr) {
				t.Fatalf("got %v, want %v", errs[0], tc.wantErr)
			}
			if tc.wantErr == nil && errors.Join(errs...) != nil {
				t.Fatalf("got %v, want success", errors.Join(errs...))
			}
			echoed := strings.Join(rec.bodies, "\n")
			if tc.wantEcho && !strings.Contains(echoed, url.QueryEscape(secret)) {
				t.Fatalf("the token endpoint never echoed the secret: the test proves nothing\n%s", echoed)
			}
			texts := []string{logs.String()}
			for _, err := range errs {
				texts = append(texts, chain(err)...)
			}
			if !strings.Contains(logs.String(), "graph:") {
				t.Errorf("no log line from the graph client:\n%s", logs.String())
			}
			for _, text := range texts {
				for _, form := range forms {
					if strings.Contains(text, form) {
						t.Errorf("secret (as %q) in: %s", form, text)
					}
				}
			}
		})
	}
}
