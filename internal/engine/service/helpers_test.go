// Helpers shared by the engine tests.
package service_test

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/service"
	"github.com/idp/terraform-provider-idp/internal/engine/store/storeopen"
)

// testClock is the engine clock, moved by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newClock() *testClock { return &testClock{now: time.Date(2025, 6, 20, 12, 0, 0, 0, time.UTC)} }

func open(t *testing.T, cfg service.Config) *service.Service {
	t.Helper()
	cfg.DataDir = t.TempDir()
	svc, err := storeopen.Service(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	return svc
}

// ndjson encodes detections, given as Graph objects, one a line.
func ndjson(t *testing.T, records ...map[string]any) string {
	t.Helper()
	var b strings.Builder
	for _, r := range records {
		line, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.String()
}

func ingest(t *testing.T, svc *service.Service, input string) engine.IngestSummary {
	t.Helper()
	sum, err := svc.IngestDetections(context.Background(), strings.NewReader(input), service.IngestOptions{Source: "test"})
	if err != nil {
		t.Fatalf("ingest: %v", err)
	}
	return sum
}

func put(t *testing.T, svc *service.Service, p engine.Policy) engine.Policy {
	t.Helper()
	p, err := svc.PutPolicy(context.Background(), p)
	if err != nil {
		t.Fatalf("PutPolicy(%s): %v", p.ID(), err)
	}
	return p
}

func alertsOf(t *testing.T, svc *service.Service, policyID string) []engine.Alert {
	t.Helper()
	page, err := svc.Alerts(context.Background(), engine.AlertQuery{Policy: policyID})
	if err != nil {
		t.Fatal(err)
	}
	return page.Alerts
}

func alertIDs(alerts []engine.Alert) []string {
	ids := make([]string, len(alerts))
	for i, a := range alerts {
		ids[i] = a.ID
	}
	sort.Strings(ids)
	return ids
}

// perDetection is the alert id of a per-detection policy's alert on one
// detection.
func perDetection(policyID string, detectionIDs ...string) []string {
	ids := make([]string, len(detectionIDs))
	for i, id := range detectionIDs {
		ids[i] = engine.DetectionGroup(policyID, engine.KeyOf(id)).AlertID()
	}
	sort.Strings(ids)
	return ids
}

// allUsers, allRemediations and allQuarantine read a whole listing, as the
// tests' engines hold few rows.
func allUsers(ctx context.Context, svc *service.Service) ([]engine.User, error) {
	page, err := svc.Users(ctx, engine.Page{})
	return page.Users, err
}

func allRemediations(ctx context.Context, svc *service.Service) ([]engine.Remediation, error) {
	page, err := svc.Remediations(ctx, engine.Page{})
	return page.Remediations, err
}

func allQuarantine(ctx context.Context, svc *service.Service) ([]engine.QuarantineEntry, error) {
	page, err := svc.Quarantine(ctx, engine.QuarantineQuery{})
	return page.Entries, err
}
