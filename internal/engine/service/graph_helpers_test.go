package service_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph/graphtest"
	"github.com/idp/terraform-provider-idp/internal/engine/service"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
	"github.com/idp/terraform-provider-idp/internal/engine/store/sqlite"
	"github.com/idp/terraform-provider-idp/internal/engine/store/storeopen"
	"github.com/idp/terraform-provider-idp/internal/generate"
)

const (
	gTenant = "contoso.onmicrosoft.com"
	gClient = "9a1f1c2e-0000-4000-8000-000000000001"
	// A secret with characters form encoding changes, so both spellings
	// are looked for in logs and errors.
	gSecret = "s3cr3t+Val/ue=&%~Zq8Q~x"
)

// secretForms are the spellings of gSecret that must appear nowhere.
var secretForms = []string{gSecret, url.QueryEscape(gSecret), url.PathEscape(gSecret)}

// graphEnv is a fake Graph and what the engines under test share: their
// clock, their logs and the recorder of the client's sleeps.
type graphEnv struct {
	srv    *graphtest.Server
	clock  *testClock
	logs   *syncBuffer
	sleeps *sleepCounter
}

func newGraphEnv(t testing.TB) *graphEnv {
	t.Helper()
	srv := graphtest.NewServer(gTenant, gClient, gSecret)
	t.Cleanup(srv.Close)
	return &graphEnv{srv: srv, clock: newClock(), logs: &syncBuffer{}, sleeps: &sleepCounter{}}
}

// source is a graph source pointing at the fake.
func (e *graphEnv) source(pageSize int, writeback bool) *engine.Source {
	return &engine.Source{Graph: &engine.GraphSource{
		TenantID: gTenant, ClientID: gClient, ClientSecret: gSecret,
		AuthorityURL: e.srv.URL, GraphURL: e.srv.URL, PageSize: pageSize, Writeback: writeback,
	}}
}

// config is the engine configuration of the tests: the engine clock, logs
// captured at trace level, no rate limit, and backoff recorded, not slept.
func (e *graphEnv) config() service.Config {
	return service.Config{
		Clock: e.clock,
		Logger: hclog.New(&hclog.LoggerOptions{
			Name: "idp", Level: hclog.Trace, Output: e.logs, JSONFormat: true,
		}),
		Graph: graph.Config{RequestsPerSecond: -1, MaxAttempts: 4, Sleep: e.sleeps.sleep, AllowHosts: []string{e.srv.Host()}},
	}
}

// engineOn opens an engine on dir (a new one when dir is ""), wrapping its
// store with fs when fs is not nil, and configures the integration.
func (e *graphEnv) engineOn(t testing.TB, dir string, fs *faultStore, src *engine.Source, tweak func(*service.Config)) *service.Service {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	st, err := sqlite.Open(context.Background(), dir, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var s store.Store = st
	if fs != nil {
		fs.Store = st
		s = fs
	}
	cfg := e.config()
	// The key that seals the stored secret lives beside the store.
	cfg.DataDir = dir
	if tweak != nil {
		tweak(&cfg)
	}
	svc := service.New(s, cfg)
	t.Cleanup(func() { svc.Close() })
	in := engine.DefaultIntegration()
	in.Source = src
	if _, err := svc.SetIntegration(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	return svc
}

// openOn opens another engine on the SQLite store in dir, as a second
// process would, without writing the integration.
func (e *graphEnv) openOn(t testing.TB, dir string, tweak func(*service.Config)) *service.Service {
	t.Helper()
	cfg := e.config()
	cfg.DataDir = dir
	if tweak != nil {
		tweak(&cfg)
	}
	svc, err := storeopen.Service(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	return svc
}

// remediating turns remediation on for both built-ins, with risky sign-ins
// alerting from medium, so that many users are remediated.
func remediating(t testing.TB, svc *service.Service) {
	t.Helper()
	for _, p := range []engine.Policy{
		{Type: engine.PolicyLeakedCredentials, Enabled: true, Severity: engine.SeverityLow, RemediateRiskyUsers: true},
		{Type: engine.PolicyRiskySignIn, Enabled: true, Severity: engine.SeverityMedium, RemediateRiskyUsers: true},
	} {
		if _, err := svc.PutPolicy(context.Background(), p); err != nil {
			t.Fatal(err)
		}
	}
}

// dataset is what Graph holds and the same records as files.
type dataset struct {
	detections string // NDJSON
	devices    string // NDJSON
	valid      int    // detections that are accepted
	bad        int    // detections that are quarantined
	deviceN    int
}

// badDetections are quarantined, each for another reason; Graph serves
// them all the same (they are JSON objects).
var badDetections = []string{
	`{"id":"bad-no-user","riskEventType":"leakedCredentials","activityDateTime":"2025-06-01T10:00:00Z","lastUpdatedDateTime":"2025-06-01T10:00:00Z"}`,
	`{"id":"bad-time","userId":"u-bad","riskEventType":"leakedCredentials","activityDateTime":"yesterday","lastUpdatedDateTime":"2025-06-01T10:00:00Z"}`,
	`{"id":"bad-level","userId":"u-bad","riskEventType":"unlikelyTravel","riskLevel":3,"activityDateTime":"2025-06-01T10:00:00Z","lastUpdatedDateTime":"2025-06-01T10:00:00Z"}`,
	`{"id":"bad-updated","userId":"u-bad","riskEventType":"unlikelyTravel","activityDateTime":"2025-06-01T10:00:00Z","lastUpdatedDateTime":"later"}`,
	`{"id":17,"userId":"u-bad","riskEventType":"unlikelyTravel","activityDateTime":"2025-06-01T10:00:00Z","lastUpdatedDateTime":"2025-06-01T10:00:00Z"}`,
	`{"id":"bad-type","userId":"u-bad","riskEventType":"","activityDateTime":"2025-06-01T10:00:00Z","lastUpdatedDateTime":"2025-06-01T10:00:00Z"}`,
	// Larger than the 1 MiB limit.
	`{"id":"bad-huge","userId":"u-bad","riskEventType":"leakedCredentials","activityDateTime":"2025-06-01T10:00:00Z","lastUpdatedDateTime":"2025-06-01T10:00:00Z","additionalInfo":"` +
		strings.Repeat("x", 1<<20) + `"}`,
}

// oddDetections are accepted although Graph may one day send them.
var oddDetections = []string{
	`{"id":"odd-enum","userId":"u-odd","userPrincipalName":"odd@contoso.example","riskEventType":"leakedCredentials","riskLevel":"unknownFutureValue","riskState":"atRisk","tokenIssuerType":"Azure Active Directory","ipAddress":"::ffff:not-an-ip","location":null,"activityDateTime":"2025-06-02T10:00:00.1234567Z","lastUpdatedDateTime":"2025-06-02T10:00:00Z"}`,
	`{"id":"odd-beta","userId":"u-odd","userPrincipalName":"odd@contoso.example","riskType":"leakedCredentials","riskLevel":"high","riskState":"atRisk","activityDateTime":"2025-06-02T11:00:00Z","lastUpdatedDateTime":"2025-06-02T11:00:00Z"}`,
}

// newDataset generates n detections (distinct ids: Graph keeps one version
// of each) for users users, their devices, and the odd and bad records.
func newDataset(t testing.TB, n, users int, seed uint64) dataset {
	t.Helper()
	opts := generate.Options{Records: n, Seed: seed, Users: users}
	var det, dev bytes.Buffer
	if err := generate.Detections(&det, opts); err != nil {
		t.Fatal(err)
	}
	if err := generate.Devices(&dev, opts); err != nil {
		t.Fatal(err)
	}
	for _, r := range append(append([]string(nil), oddDetections...), badDetections...) {
		det.WriteString(r + "\n")
	}
	return dataset{
		detections: det.String(), devices: dev.String(),
		valid: n + len(oddDetections), bad: len(badDetections),
		deviceN: strings.Count(dev.String(), "\n"),
	}
}

// load puts the dataset into the fake Graph.
func (e *graphEnv) load(t testing.TB, d dataset) {
	t.Helper()
	if err := e.srv.LoadDetections(strings.NewReader(d.detections)); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.LoadDevices(strings.NewReader(d.devices)); err != nil {
		t.Fatal(err)
	}
}

// fromFiles is the reference: a fresh engine that ingests the dataset's
// records from files, with the same policies.
func (e *graphEnv) fromFiles(t testing.TB, d dataset) (*service.Service, engine.IngestSummary) {
	t.Helper()
	svc := e.engineOn(t, "", nil, nil, nil)
	remediating(t, svc)
	ctx := context.Background()
	sum, err := svc.IngestDevices(ctx, strings.NewReader(d.devices), service.IngestOptions{Source: "devices.ndjson"})
	if err != nil {
		t.Fatal(err)
	}
	det, err := svc.IngestDetections(ctx, strings.NewReader(d.detections), service.IngestOptions{Source: "detections.ndjson"})
	if err != nil {
		t.Fatal(err)
	}
	sum.Add(det)
	return svc, sum
}

func syncOK(t testing.TB, svc *service.Service) engine.SyncSummary {
	t.Helper()
	sum, err := svc.SyncDetailed(context.Background())
	if err != nil {
		t.Fatalf("Sync: %v", err)
	}
	checkSummary(t, sum.Ingest)
	return sum
}

// checkSummary checks the contract's identity.
func checkSummary(t testing.TB, s engine.IngestSummary) {
	t.Helper()
	if s.Read != s.Accepted+s.Updated+s.Duplicates+s.Quarantined {
		t.Errorf("summary %+v: read is not accepted + updated + duplicates + quarantined", s)
	}
}

// sameOutcome fails unless two engines hold the same alerts (field by
// field, the engine's timestamps excepted), the same quarantined records
// (reason and JSON content; Graph re-encodes what it serves) and the same
// users at risk.
func sameOutcome(t testing.TB, got, want *service.Service) {
	t.Helper()
	ga, wa := allAlerts(t, got), allAlerts(t, want)
	if len(wa) == 0 {
		t.Fatal("the reference has no alerts: the comparison proves nothing")
	}
	if len(ga) != len(wa) {
		t.Errorf("%d alerts, want %d", len(ga), len(wa))
	}
	for id, w := range wa {
		g, ok := ga[id]
		switch {
		case !ok:
			t.Errorf("alert %s (%s, %s) missing", id, w.Policy, w.UserID)
		case !reflect.DeepEqual(g, w):
			t.Errorf("alert %s differs:\n got %+v\nwant %+v", id, g, w)
		}
	}
	gq, wq := quarantined(t, got), quarantined(t, want)
	if !reflect.DeepEqual(gq, wq) {
		t.Errorf("quarantine differs:\n got %v\nwant %v", clipAll(gq), clipAll(wq))
	}
	gu, err := allUsers(context.Background(), got)
	if err != nil {
		t.Fatal(err)
	}
	wu, err := allUsers(context.Background(), want)
	if err != nil {
		t.Fatal(err)
	}
	if len(wu) == 0 {
		t.Fatal("the reference remediated nobody: the comparison proves nothing")
	}
	if !reflect.DeepEqual(gu, wu) {
		t.Errorf("users differ: %d users, want %d", len(gu), len(wu))
	}
}

func allAlerts(t testing.TB, svc *service.Service) map[string]engine.Alert {
	t.Helper()
	page, err := svc.Alerts(context.Background(), engine.AlertQuery{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]engine.Alert{}
	for _, a := range page.Alerts {
		a.CreatedAt, a.UpdatedAt = time.Time{}, time.Time{}
		out[a.ID] = a
	}
	return out
}

// quarantined is the sorted list of "reason | canonical JSON" of the
// quarantine.
func quarantined(t testing.TB, svc *service.Service) []string {
	t.Helper()
	q, err := allQuarantine(context.Background(), svc)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(q))
	for i, e := range q {
		out[i] = e.Reason + " | " + canonicalJSON(e.Raw)
	}
	sort.Strings(out)
	return out
}

func canonicalJSON(raw string) string {
	var v any
	if json.Unmarshal([]byte(raw), &v) != nil {
		return raw
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func clipAll(s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = x[:min(len(x), 120)]
	}
	return out
}

// remediationsOf groups the audit log's outcomes by user, in log order.
func remediationsOf(t testing.TB, svc *service.Service) map[string][]string {
	t.Helper()
	log, err := allRemediations(context.Background(), svc)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, r := range log {
		out[r.UserID] = append(out[r.UserID], r.Outcome)
	}
	return out
}

// syncBuffer is a bytes.Buffer written from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// sleepCounter stands in for the client's sleeps: it counts them and
// returns at once.
type sleepCounter struct {
	mu sync.Mutex
	n  int
}

func (c *sleepCounter) sleep(ctx context.Context, _ time.Duration) error {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return ctx.Err()
}

func (c *sleepCounter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

var errInjected = errors.New("injected store failure")

// faultStore wraps a store to fail or act at chosen points: a crash is a
// transaction that does not commit, or a context cancelled after one did.
type faultStore struct {
	store.Store

	mu sync.Mutex
	// pages counts the committed transactions that wrote a detections
	// cursor: the Graph pages committed.
	pages int
	// failPage, when positive, makes the transaction of that page fail.
	failPage int
	// afterPage runs after each committed page.
	afterPage func(page int)
	// failAppend, when it returns an error, fails AppendRemediations.
	failAppend func([]engine.Remediation) error
}

func (f *faultStore) Update(ctx context.Context, fn func(store.Tx) error) error {
	wrote := false
	err := f.Store.Update(ctx, func(tx store.Tx) error {
		wrote = false
		return fn(&faultTx{Tx: tx, f: f, wrote: &wrote})
	})
	if err != nil || !wrote {
		return err
	}
	f.mu.Lock()
	f.pages++
	page, after := f.pages, f.afterPage
	f.mu.Unlock()
	if after != nil {
		after(page)
	}
	return nil
}

type faultTx struct {
	store.Tx
	f     *faultStore
	wrote *bool
}

func (t *faultTx) SetCursor(ctx context.Context, source, cursor string) error {
	if strings.HasPrefix(source, "graph:detections:") {
		t.f.mu.Lock()
		fail := t.f.failPage > 0 && t.f.pages+1 == t.f.failPage
		t.f.mu.Unlock()
		if fail {
			return fmt.Errorf("page %d: %w", t.f.failPage, errInjected)
		}
		*t.wrote = true
	}
	return t.Tx.SetCursor(ctx, source, cursor)
}

func (t *faultTx) AppendRemediations(ctx context.Context, rs []engine.Remediation) error {
	t.f.mu.Lock()
	fail := t.f.failAppend
	t.f.mu.Unlock()
	if fail != nil {
		if err := fail(rs); err != nil {
			return err
		}
	}
	return t.Tx.AppendRemediations(ctx, rs)
}
