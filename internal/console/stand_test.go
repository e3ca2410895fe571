package console_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/idp/terraform-provider-idp/internal/console"
	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/service"
	"github.com/idp/terraform-provider-idp/internal/engine/store/storeopen"
	"github.com/idp/terraform-provider-idp/internal/server"
	"github.com/idp/terraform-provider-idp/internal/server/servertest"
)

// The stand every console test runs against: `engine serve`'s handler
// over a real SQLite engine that synced the quick start's sample (the
// demo's data) from a file source, under the quick start's policies.
type stand struct {
	URL      string
	svc      *service.Service
	apiToken string
}

// Tokens of the stand's sign-in. Scopes come from the token here, as they
// will from the token file once tokens carry scopes.
const (
	readToken    = "read-token-0123456789abcdef0123456789abcdef"
	adminToken   = "admin-token-0123456789abcdef0123456789abcdef"
	metricsToken = "metrics-token-0123456789abcdef0123456789abcdef"
)

type scopedTokens map[string]string

func (s scopedTokens) Authenticate(token string) (string, bool) {
	scope, ok := s[token]
	return scope, ok
}

func (s scopedTokens) ScopeOfDigest(digest [sha256.Size]byte) (string, bool) {
	for token, scope := range s {
		if sha256.Sum256([]byte(token)) == digest {
			return scope, true
		}
	}
	return "", false
}

var signIn = scopedTokens{readToken: console.ScopeRead, adminToken: console.ScopeAdmin, metricsToken: "metrics"}

// badRecords are quarantined by the sync: the quarantine page shows them.
const badRecords = "{this is not JSON\n" + `{"id": 42, "userId": "u", "riskEventType": "x", "activityDateTime": "2025-06-01T00:00:00Z"}` + "\n"

func newStand(t testing.TB) *stand {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	detections := filepath.Join(dir, "detections.ndjson")
	sample, err := os.ReadFile(filepath.Join("..", "..", "examples", "quickstart", "detections-sample.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(detections, append(sample, badRecords...), 0o600); err != nil {
		t.Fatal(err)
	}
	devices, err := filepath.Abs(filepath.Join("..", "..", "examples", "quickstart", "devices-sample.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := storeopen.Service(ctx, service.Config{DataDir: filepath.Join(dir, "data"), FileSources: servertest.SourceRoots(t, filepath.Dir(devices))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	in := engine.DefaultIntegration()
	in.Source = &engine.Source{File: &engine.FileSource{Detections: []string{detections}, Devices: []string{devices}}}
	for _, p := range []engine.Policy{
		{Type: engine.PolicyLeakedCredentials, Enabled: true, Severity: engine.SeverityMedium},
		{Type: engine.PolicyRiskySignIn, Enabled: true, Severity: engine.SeverityMedium, AggregationWindow: engine.Duration(12 * time.Hour),
			RemediateRiskyUsers: true},
		{Type: engine.PolicyCustom, Name: "anonymous-ip-abroad", Enabled: true, Severity: engine.SeverityMedium, GroupBy: engine.GroupByUser,
			Condition: `detection.riskEventType in ["anonymizedIPAddress", "maliciousIPAddress"] && ` +
				`has(detection.location) && detection.location.countryOrRegion != "US"`},
	} {
		if _, err := svc.PutPolicy(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.SetIntegration(ctx, in); err != nil {
		t.Fatal(err)
	}
	// What serve's poller does: devices, then detections, from the file
	// source; the store records the sync, which the overview shows.
	sum, err := svc.SyncDetailed(ctx)
	if err != nil || sum.Ingest.Quarantined != 2 {
		t.Fatalf("sync: %+v, %v; want the sample in and two records quarantined", sum, err)
	}
	const apiToken = "api-token-0123456789abcdef0123456789abcdef"
	tokens, err := server.NewTokens([]string{apiToken})
	if err != nil {
		t.Fatal(err)
	}
	// Warnings and errors reach the test's log, where a failure shows why.
	log := hclog.New(&hclog.LoggerOptions{Level: hclog.Warn, Output: testLog{t}})
	srv, err := server.New(server.Config{Service: svc, Tokens: tokens, ConsoleSignIn: signIn, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &stand{URL: ts.URL, svc: svc, apiToken: apiToken}
}

// api reads a /v1 route with the API token, as the remote client does.
func (s *stand) api(t testing.TB, path string, into any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.apiToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

// alertTotal is the total of /v1/alerts under a query.
func (s *stand) alertTotal(t testing.TB, query string) int {
	t.Helper()
	var page engine.AlertPage
	s.api(t, "/v1/alerts?limit=1&"+query, &page)
	return page.Total
}

type testLog struct{ t testing.TB }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func (s *stand) String() string { return fmt.Sprintf("stand at %s", s.URL) }
