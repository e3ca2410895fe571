package alerting

import (
	"testing"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/policy"
	"github.com/idp/terraform-provider-idp/internal/engine/remediate"
)

var (
	t0  = time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)
	now = time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)
)

func compiled(t *testing.T, p engine.Policy) *policy.Compiled {
	t.Helper()
	c, err := policy.Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func member(g engine.GroupKey, id string, offset time.Duration, sev engine.Severity, open bool) engine.Member {
	return engine.Member{Group: g, Detection: engine.KeyOf(id), ActivityTime: t0.Add(offset), Severity: sev, Open: open,
		RiskEventType: "type-" + id, UserID: "u1", UserPrincipalName: "u1@example.com", UserDisplayName: "User " + id}
}

// alertOf is the alert Reconcile makes of members, stamped at.
func alertOf(policyID string, g engine.GroupKey, at time.Time, ms ...engine.Member) engine.Alert {
	a := policy.Aggregate(policyID, g, ms)
	a.CreatedAt, a.UpdatedAt = at, at
	return a
}

func TestReconcile(t *testing.T) {
	leaked := engine.Policy{Type: engine.PolicyLeakedCredentials, Enabled: true, Severity: engine.SeverityLow, RemediateRiskyUsers: true}
	leakedOff := leaked
	leakedOff.Enabled = false
	risky := engine.Policy{Type: engine.PolicyRiskySignIn, Enabled: true, Severity: engine.SeverityHigh,
		AggregationWindow: engine.Duration(24 * time.Hour)}

	det := engine.DetectionGroup(engine.PolicyLeakedCredentials, engine.KeyOf("a"))
	win := engine.WindowGroup(engine.PolicyRiskySignIn, "u1", t0.Truncate(24*time.Hour), 24*time.Hour)
	earlier := now.Add(-time.Hour)

	a := member(det, "a", 0, engine.SeverityMedium, true)
	aResolved := a
	aResolved.Open = false
	high := member(win, "h", time.Minute, engine.SeverityHigh, true)
	low := member(win, "l", 2*time.Minute, engine.SeverityLow, true)
	highAgain := high
	highAgain.Severity = engine.SeverityLow

	tests := []struct {
		name     string
		policies []engine.Policy
		changes  map[engine.GroupKey]*Change
		members  map[engine.GroupKey][]engine.Member
		alerts   map[engine.GroupKey]engine.Alert
		want     Result
	}{{
		name:     "a new detection over the threshold raises an alert and, open, remediates its user",
		policies: []engine.Policy{leaked},
		changes:  map[engine.GroupKey]*Change{det: {Upserts: []engine.Member{a}, Fresh: true}},
		want: Result{Puts: []engine.Alert{alertOf(leaked.ID(), det, now, a)}, Created: 1,
			Candidates: []remediate.Candidate{{AlertID: det.AlertID(), Policy: leaked.ID(), UserID: "u1", UserPrincipalName: "u1@example.com"}}},
	}, {
		name:     "a resolved alert is written but remediates nobody",
		policies: []engine.Policy{leaked},
		changes:  map[engine.GroupKey]*Change{det: {Upserts: []engine.Member{aResolved}, Fresh: true}},
		want:     Result{Puts: []engine.Alert{alertOf(leaked.ID(), det, now, aResolved)}, Created: 1},
	}, {
		name:     "an alert whose members decide the same fields is left alone",
		policies: []engine.Policy{leaked},
		changes:  map[engine.GroupKey]*Change{det: {Upserts: []engine.Member{a}}},
		alerts:   map[engine.GroupKey]engine.Alert{det: alertOf(leaked.ID(), det, earlier, a)},
		want:     Result{},
	}, {
		name:     "a changed alert keeps its creation time and takes now as its update",
		policies: []engine.Policy{leaked},
		changes:  map[engine.GroupKey]*Change{det: {Upserts: []engine.Member{aResolved}}},
		alerts:   map[engine.GroupKey]engine.Alert{det: alertOf(leaked.ID(), det, earlier, a)},
		want: Result{Puts: []engine.Alert{func() engine.Alert {
			x := alertOf(leaked.ID(), det, now, aResolved)
			x.CreatedAt = earlier
			return x
		}()}, Updated: 1},
	}, {
		name:     "a disabled policy makes no alert and keeps the old one",
		policies: []engine.Policy{leakedOff},
		changes:  map[engine.GroupKey]*Change{det: {Upserts: []engine.Member{aResolved}}},
		alerts:   map[engine.GroupKey]engine.Alert{det: alertOf(leaked.ID(), det, earlier, a)},
		want:     Result{},
	}, {
		name:     "a group of a policy that no longer exists is left alone",
		policies: nil,
		changes:  map[engine.GroupKey]*Change{det: {Upserts: []engine.Member{a}, Fresh: true}},
		want:     Result{},
	}, {
		name:     "a window below the threshold raises nothing",
		policies: []engine.Policy{risky},
		changes:  map[engine.GroupKey]*Change{win: {Upserts: []engine.Member{low}}},
		want:     Result{},
	}, {
		name:     "a window merges its stored members with the change",
		policies: []engine.Policy{risky},
		changes:  map[engine.GroupKey]*Change{win: {Upserts: []engine.Member{low}}},
		members:  map[engine.GroupKey][]engine.Member{win: {high}},
		want:     Result{Puts: []engine.Alert{alertOf(risky.ID(), win, now, high, low)}, Created: 1},
	}, {
		name:     "a window whose high member is replaced by a lower copy loses its alert",
		policies: []engine.Policy{risky},
		changes:  map[engine.GroupKey]*Change{win: {Upserts: []engine.Member{highAgain}}},
		members:  map[engine.GroupKey][]engine.Member{win: {high, low}},
		alerts:   map[engine.GroupKey]engine.Alert{win: alertOf(risky.ID(), win, earlier, high, low)},
		want:     Result{Deletes: []engine.GroupKey{win}},
	}, {
		name:     "a window whose last member moved away loses its alert",
		policies: []engine.Policy{risky},
		changes:  map[engine.GroupKey]*Change{win: {Removed: []engine.DetectionKey{high.Detection}}},
		members:  map[engine.GroupKey][]engine.Member{win: {high}},
		alerts:   map[engine.GroupKey]engine.Alert{win: alertOf(risky.ID(), win, earlier, high)},
		want:     Result{Deletes: []engine.GroupKey{win}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var policies []*policy.Compiled
			for _, p := range tt.policies {
				policies = append(policies, compiled(t, p))
			}
			got := Reconcile(Input{Changes: tt.changes, Members: tt.members, Alerts: tt.alerts, Policies: policies, Now: now})
			if !equalResults(got, tt.want) {
				t.Fatalf("Reconcile:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}
