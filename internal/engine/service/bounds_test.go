package service_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/policy"
	"github.com/idp/terraform-provider-idp/internal/engine/service"
)

// The engine holds at most policy.MaxCustomPolicies custom policies: the
// next one is refused with an error that says what to do, while the
// existing ones can still be changed, and a deletion makes room.
func TestCustomPolicyCap(t *testing.T) {
	ctx := context.Background()
	svc := open(t, service.Config{})
	for i := range policy.MaxCustomPolicies {
		if _, err := svc.PutPolicy(ctx, custom(fmt.Sprintf("p%03d", i), "true")); err != nil {
			t.Fatal(err)
		}
	}
	for _, write := range []func(engine.Policy) (engine.Policy, error){
		func(p engine.Policy) (engine.Policy, error) { return svc.CreatePolicy(ctx, p) },
		func(p engine.Policy) (engine.Policy, error) { return svc.PutPolicy(ctx, p) },
	} {
		_, err := write(custom("one-too-many", "true"))
		if !errors.Is(err, engine.ErrInvalid) || !strings.Contains(err.Error(), "the engine holds at most 100 custom policies, and it has 100: delete one before creating another") {
			t.Fatalf("the policy over the cap: %v", err)
		}
	}
	if _, err := svc.PutPolicy(ctx, custom("p000", "false")); err != nil {
		t.Fatalf("changing an existing policy at the cap: %v", err)
	}
	if err := svc.DeletePolicy(ctx, "p001"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreatePolicy(ctx, custom("one-too-many", "true")); err != nil {
		t.Fatalf("after a deletion: %v", err)
	}
}

// A detection on which a condition runs out of its time budget is stored
// but not selected by that policy, the other policies still see it, and
// the log says which policy failed and why.
func TestConditionOverBudgetIsLoggedAndSkipped(t *testing.T) {
	ctx := context.Background()
	var logs strings.Builder
	svc := open(t, service.Config{Logger: hclog.New(&hclog.LoggerOptions{Output: &logs, Level: hclog.Warn})})
	if _, err := svc.PutPolicy(ctx, custom("slow", `detection.additionalInfo.matches("(?:.?){490}Q")`)); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.PutPolicy(ctx, custom("all", `true`)); err != nil {
		t.Fatal(err)
	}
	big := map[string]any{"id": "big", "userId": "u1", "riskEventType": "anonymizedIPAddress", "riskLevel": "high",
		"activityDateTime": "2025-06-14T03:25:41.5Z", "additionalInfo": strings.Repeat("k=v;", 200_000)}
	sum, err := svc.IngestDetections(ctx, strings.NewReader(ndjson(t, big)), service.IngestOptions{Source: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Accepted != 1 || sum.AlertsCreated != 1 {
		t.Fatalf("summary %+v: want the detection stored and alerted by one policy", sum)
	}
	for _, want := range []struct {
		policy string
		total  int
	}{{"slow", 0}, {"all", 1}} {
		page, err := svc.Alerts(ctx, engine.AlertQuery{Policy: want.policy})
		if err != nil || page.Total != want.total {
			t.Fatalf("alerts of %s: %d, %v; want %d", want.policy, page.Total, err, want.total)
		}
	}
	if !strings.Contains(logs.String(), "policy=slow over_time_budget=1 other_errors=0") {
		t.Fatalf("the log does not report the over-budget evaluation:\n%s", logs.String())
	}
}

// Quarantine entries follow retention_days, as alerts do: the purge that
// runs before every ingest deletes those quarantined before the cutoff.
func TestRetentionPurgesTheQuarantine(t *testing.T) {
	ctx := context.Background()
	clock := newClock()
	svc := open(t, service.Config{Clock: clock})
	in, err := svc.Integration(ctx)
	if err != nil {
		t.Fatal(err)
	}
	in.RetentionDays = 10
	if _, err := svc.SetIntegration(ctx, in); err != nil {
		t.Fatal(err)
	}
	ingest(t, svc, "old 1\nold 2\n")
	clock.Advance(6 * 24 * time.Hour)
	ingest(t, svc, "new 1\n")
	clock.Advance(5 * 24 * time.Hour) // the old entries are 11 days old, the new one 5
	if _, err := svc.PurgeExpired(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := allQuarantine(ctx, svc)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Raw != "new 1" {
		t.Fatalf("quarantine = %+v, want only the entry retention still keeps", got)
	}
	clock.Advance(6 * 24 * time.Hour)
	ingest(t, svc, "")
	if got, _ := allQuarantine(ctx, svc); len(got) != 0 {
		t.Fatalf("quarantine = %+v, want it empty once every entry is past retention", got)
	}
}
