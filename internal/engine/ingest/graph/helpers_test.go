package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph/graphtest"
)

const (
	tenant   = "contoso.onmicrosoft.com"
	clientID = "9a1f1c2e-0000-4000-8000-000000000001"
	// A secret with characters that form encoding changes, so that both
	// spellings are looked for in logs and errors.
	secret = "s3cr3t+Val/ue=&%~Zq8Q~x"
)

// fixture is a fake Graph and a client for it whose sleeps are recorded,
// not slept, and whose logs are captured.
type fixture struct {
	srv    *graphtest.Server
	client *graph.Client
	logs   *syncBuffer
	sleeps *sleepRecorder
}

func newFixture(t testing.TB, tweak func(*graph.Config)) *fixture {
	t.Helper()
	srv := graphtest.NewServer(tenant, clientID, secret)
	t.Cleanup(srv.Close)
	f := &fixture{srv: srv, logs: &syncBuffer{}, sleeps: &sleepRecorder{}}
	cfg := graph.Config{
		TenantID: tenant, ClientID: clientID, ClientSecret: secret,
		AuthorityURL: srv.URL, GraphURL: srv.URL, AllowHosts: []string{srv.Host()},
		RequestsPerSecond: -1,
		Sleep:             f.sleeps.sleep,
		Logger: hclog.New(&hclog.LoggerOptions{
			Name: "idp", Level: hclog.Trace, Output: f.logs, JSONFormat: true,
		}),
	}
	if tweak != nil {
		tweak(&cfg)
	}
	c, err := graph.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	f.client = c
	return f
}

// syncBuffer is a bytes.Buffer that the client may log to from several
// goroutines.
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

type sleepRecorder struct {
	mu sync.Mutex
	ds []time.Duration
}

func (r *sleepRecorder) sleep(ctx context.Context, d time.Duration) error {
	r.mu.Lock()
	r.ds = append(r.ds, d)
	r.mu.Unlock()
	return ctx.Err()
}

func (r *sleepRecorder) all() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Duration(nil), r.ds...)
}

var base = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

// detection n, last updated base + at.
func detection(n int, at time.Duration) engine.Detection {
	return engine.Detection{
		ID:                  fmt.Sprintf("det-%05d", n),
		RiskEventType:       "unfamiliarFeatures",
		RiskLevel:           "medium",
		RiskState:           "atRisk",
		Activity:            "signin",
		UserID:              fmt.Sprintf("user-%03d", n%97),
		ActivityDateTime:    base.Add(at - time.Minute),
		LastUpdatedDateTime: base.Add(at),
	}
}

// detections n of them, last updated one second apart.
func detections(n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = detection(i, time.Duration(i)*time.Second)
	}
	return out
}

func ids(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("det-%05d", i)
	}
	return out
}

// idOf reads a raw record's id, failing the test on anything but an object
// with a string id.
func idOf(t testing.TB, raw []byte) string {
	t.Helper()
	var v struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(raw, &v); err != nil || v.ID == "" {
		t.Fatalf("record %.80s: no id (%v)", raw, err)
	}
	return v.ID
}

// pull is the result of a PullDetections run.
type pull struct {
	ids     []string // in the order read
	pages   int
	empty   int // pages without records
	cursors []string
}

func (p pull) last() string { return p.cursors[len(p.cursors)-1] }

func pullAll(t testing.TB, c *graph.Client, cursor string) pull {
	t.Helper()
	var p pull
	err := c.PullDetections(context.Background(), cursor, func(records [][]byte, next string) error {
		p.pages++
		if len(records) == 0 {
			p.empty++
		}
		for _, r := range records {
			p.ids = append(p.ids, idOf(t, r))
		}
		p.cursors = append(p.cursors, next)
		return nil
	})
	if err != nil {
		t.Fatalf("PullDetections(%q): %v", cursor, err)
	}
	return p
}

// sameSet fails unless got holds exactly the ids of want, each once.
func sameSet(t testing.TB, got, want []string) {
	t.Helper()
	seen := map[string]int{}
	for _, id := range got {
		seen[id]++
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("id %s read %d times", id, n)
		}
	}
	for _, id := range want {
		if seen[id] == 0 {
			t.Errorf("id %s never read", id)
		}
	}
	if len(seen) != len(want) {
		t.Errorf("read %d distinct ids, want %d", len(seen), len(want))
	}
}
