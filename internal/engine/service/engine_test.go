package service_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/service"
)

var ctx = context.Background()

// t0 is midnight UTC, a window edge for every window that divides a day.
var t0 = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

// rec builds a Graph riskDetection; opts override its properties.
func rec(id, user, typ, level string, at time.Time, opts ...any) map[string]any {
	r := map[string]any{
		"id": id, "userId": user, "riskEventType": typ, "riskLevel": level, "riskState": "atRisk",
		"activity": "signin", "activityDateTime": at.Format(time.RFC3339Nano),
		"lastUpdatedDateTime": at.Add(time.Minute).Format(time.RFC3339Nano),
		"userPrincipalName":   user + "@example.com", "userDisplayName": "User " + user,
	}
	if typ == engine.RiskEventLeakedCredentials {
		r["activity"] = "user"
	}
	for i := 0; i+1 < len(opts); i += 2 {
		if opts[i+1] == nil {
			delete(r, opts[i].(string))
			continue
		}
		r[opts[i].(string)] = opts[i+1]
	}
	return r
}

func stamp(t time.Time) string { return t.Format(time.RFC3339Nano) }

func TestIngestCountsEveryRecord(t *testing.T) {
	svc := open(t, service.Config{})
	input := ndjson(t,
		rec("a", "u1", "unlikelyTravel", "high", t0),
		rec("b", "u1", "leakedCredentials", "low", t0.Add(time.Hour)),
		// a newer version of a: updated
		rec("a", "u1", "unlikelyTravel", "high", t0, "riskState", "dismissed", "lastUpdatedDateTime", stamp(t0.Add(2*time.Hour))),
		// an older copy of a: duplicate
		rec("a", "u1", "unlikelyTravel", "high", t0, "lastUpdatedDateTime", stamp(t0.Add(-time.Hour))),
		// the same version of b again: duplicate
		rec("b", "u1", "leakedCredentials", "low", t0.Add(time.Hour)),
		// odd but accepted
		rec("c", "u2", "brandNewRiskType", "unknownFutureValue", t0, "tokenIssuerType", "Azure Active Directory", "location", nil),
	) + "{not json\n\n" + `{"id":"d","riskEventType":"x","activityDateTime":"2025-06-01T00:00:00Z"}` + "\n"
	sum := ingest(t, svc, input)
	want := engine.IngestSummary{Read: 8, Accepted: 3, Updated: 1, Duplicates: 2, Quarantined: 2, AlertsCreated: 2}
	sum.ElapsedSeconds = 0
	if sum != want {
		t.Fatalf("summary = %+v, want %+v", sum, want)
	}
	if sum.Read != sum.Accepted+sum.Updated+sum.Duplicates+sum.Quarantined {
		t.Fatalf("read is not the sum of the outcomes: %+v", sum)
	}
	alerts := alertsOf(t, svc, "")
	if len(alerts) != 2 {
		t.Fatalf("alerts = %+v, want the risky sign-in of a and the leak b", alerts)
	}
	for _, a := range alerts {
		if a.Policy == engine.PolicyRiskySignIn && a.Status != engine.AlertResolved {
			t.Errorf("a was dismissed in its newer version, so its alert is resolved; got %s", a.Status)
		}
	}
	q, err := allQuarantine(ctx, svc)
	if err != nil || len(q) != 2 || q[0].Line != 7 || q[0].Raw != "{not json" || !strings.Contains(q[1].Reason, "userId is missing") || q[1].Line != 9 {
		t.Fatalf("quarantine = %+v, %v", q, err)
	}

	// The same input again changes nothing: not the detections, not the
	// alerts, not the quarantine.
	again := ingest(t, svc, input)
	if again.Accepted != 0 || again.Updated != 0 || again.Duplicates != 6 || again.Quarantined != 2 || again.AlertsCreated+again.AlertsUpdated != 0 {
		t.Fatalf("second ingest = %+v, want only duplicates (and the same two quarantined)", again)
	}
	if q2, _ := allQuarantine(ctx, svc); len(q2) != 2 {
		t.Fatalf("the quarantine grew on re-ingest: %d entries", len(q2))
	}
	if after := alertsOf(t, svc, ""); fmt.Sprint(after) != fmt.Sprint(alerts) {
		t.Fatalf("alerts changed on re-ingest:\n%+v\n%+v", alerts, after)
	}
}

func TestWindowEdges(t *testing.T) {
	svc := open(t, service.Config{})
	edge := t0.Add(24 * time.Hour)
	ingest(t, svc, ndjson(t,
		rec("before", "u1", "unlikelyTravel", "high", edge.Add(-time.Nanosecond)),
		rec("on-edge", "u1", "unlikelyTravel", "high", edge),
		rec("after", "u1", "unlikelyTravel", "low", edge.Add(23*time.Hour)),
	))
	alerts := alertsOf(t, svc, engine.PolicyRiskySignIn)
	if len(alerts) != 2 {
		t.Fatalf("got %d alerts, want one per window: %+v", len(alerts), alerts)
	}
	// Newest first: the window starting on the edge holds on-edge and after.
	if alerts[0].DetectionCount != 2 || !alerts[0].FirstSeen.Equal(edge) || !alerts[0].LastSeen.Equal(edge.Add(23*time.Hour)) {
		t.Errorf("window from the edge = %+v", alerts[0])
	}
	if alerts[1].DetectionCount != 1 || !alerts[1].LastSeen.Equal(edge.Add(-time.Nanosecond)) {
		t.Errorf("window before the edge = %+v", alerts[1])
	}
	want := engine.WindowGroup(engine.PolicyRiskySignIn, "u1", edge, 24*time.Hour).AlertID()
	if alerts[0].ID != want {
		t.Errorf("alert id %s, want the id derived from (u1, %s): %s", alerts[0].ID, edge, want)
	}
}

func TestThresholds(t *testing.T) {
	levels := []string{"low", "medium", "high", "hidden", "none", "unknownFutureValue"}
	for _, threshold := range engine.Severities {
		for _, typ := range []string{engine.PolicyLeakedCredentials, engine.PolicyRiskySignIn} {
			t.Run(string(threshold)+"/"+typ, func(t *testing.T) {
				svc := open(t, service.Config{})
				p, _ := svc.Policy(ctx, typ)
				p.Severity = threshold
				put(t, svc, p)
				event := "unlikelyTravel"
				if typ == engine.PolicyLeakedCredentials {
					event = engine.RiskEventLeakedCredentials
				}
				var records []map[string]any
				for i, level := range levels {
					// One user each, so every risky sign-in is its own window.
					records = append(records, rec(level, fmt.Sprintf("u%d", i), event, level, t0))
				}
				ingest(t, svc, ndjson(t, records...))
				got := map[engine.Severity]bool{}
				for _, a := range alertsOf(t, svc, typ) {
					got[a.Severity] = true
				}
				for _, level := range levels {
					sev := engine.Severity(level)
					wantAlert := sev.Rank() > 0 && sev.Rank() >= threshold.Rank()
					if got[sev] != wantAlert {
						t.Errorf("level %s under threshold %s: alert=%v, want %v", level, threshold, got[sev], wantAlert)
					}
				}
			})
		}
	}
}

func TestAggregationTakesEveryMemberWhateverItsLevel(t *testing.T) {
	svc := open(t, service.Config{})
	ingest(t, svc, ndjson(t,
		rec("l", "u1", "anonymizedIPAddress", "low", t0.Add(time.Hour), "userPrincipalName", "old@example.com"),
		rec("m", "u1", "unfamiliarFeatures", "medium", t0.Add(2*time.Hour)),
		rec("h", "u1", "unlikelyTravel", "high", t0.Add(3*time.Hour), "userPrincipalName", "new@example.com", "userDisplayName", "Newest"),
		rec("x", "u1", "leakedCredentials", "high", t0.Add(4*time.Hour)), // not a sign-in
		rec("n", "u1", "unlikelyTravel", "none", t0.Add(90*time.Minute), "activity", "user"),
	))
	alerts := alertsOf(t, svc, engine.PolicyRiskySignIn)
	if len(alerts) != 1 {
		t.Fatalf("alerts = %+v", alerts)
	}
	a := alerts[0]
	if a.DetectionCount != 3 || a.Severity != engine.SeverityHigh || a.UserPrincipalName != "new@example.com" ||
		a.UserDisplayName != "Newest" || strings.Join(a.RiskEventTypes, ",") != "anonymizedIPAddress,unfamiliarFeatures,unlikelyTravel" ||
		!a.FirstSeen.Equal(t0.Add(time.Hour)) || !a.LastSeen.Equal(t0.Add(3*time.Hour)) || a.UserID != "u1" {
		t.Fatalf("alert = %+v", a)
	}
}

func TestStatusAndSeverityFollowUpdates(t *testing.T) {
	svc := open(t, service.Config{})
	at := t0.Add(time.Hour)
	ingest(t, svc, ndjson(t,
		rec("h", "u1", "unlikelyTravel", "high", at),
		rec("l", "u1", "unfamiliarFeatures", "low", at.Add(time.Minute)),
	))
	check := func(status engine.AlertStatus, count int) {
		t.Helper()
		alerts := alertsOf(t, svc, engine.PolicyRiskySignIn)
		if count == 0 {
			if len(alerts) != 0 {
				t.Fatalf("alerts = %+v, want none", alerts)
			}
			return
		}
		if len(alerts) != 1 || alerts[0].Status != status || alerts[0].DetectionCount != count {
			t.Fatalf("alerts = %+v, want one %s alert of %d", alerts, status, count)
		}
	}
	check(engine.AlertOpen, 2)
	// One member dismissed: the other keeps the alert open.
	ingest(t, svc, ndjson(t, rec("h", "u1", "unlikelyTravel", "high", at, "riskState", "dismissed", "lastUpdatedDateTime", stamp(at.Add(time.Hour)))))
	check(engine.AlertOpen, 2)
	// Both closed: resolved.
	ingest(t, svc, ndjson(t, rec("l", "u1", "unfamiliarFeatures", "low", at.Add(time.Minute), "riskState", "remediated", "lastUpdatedDateTime", stamp(at.Add(time.Hour)))))
	check(engine.AlertResolved, 2)
	// Back at risk.
	ingest(t, svc, ndjson(t, rec("l", "u1", "unfamiliarFeatures", "low", at.Add(time.Minute), "riskState", "atRisk", "lastUpdatedDateTime", stamp(at.Add(2*time.Hour)))))
	check(engine.AlertOpen, 2)
	// The high member drops to low: the window no longer reaches the high
	// threshold, so it has no alert, as if only the final versions had been
	// ingested.
	ingest(t, svc, ndjson(t, rec("h", "u1", "unlikelyTravel", "low", at, "lastUpdatedDateTime", stamp(at.Add(3*time.Hour)))))
	check("", 0)
}

func TestUpdateMovesDetectionToAnotherWindow(t *testing.T) {
	svc := open(t, service.Config{})
	ingest(t, svc, ndjson(t,
		rec("a", "u1", "unlikelyTravel", "high", t0.Add(time.Hour)),
		rec("b", "u1", "unlikelyTravel", "high", t0.Add(2*time.Hour)),
	))
	next := t0.Add(30 * time.Hour)
	ingest(t, svc, ndjson(t, rec("b", "u1", "unlikelyTravel", "high", next, "lastUpdatedDateTime", stamp(next))))
	alerts := alertsOf(t, svc, engine.PolicyRiskySignIn)
	if len(alerts) != 2 || alerts[0].DetectionCount != 1 || !alerts[0].FirstSeen.Equal(next) ||
		alerts[1].DetectionCount != 1 || !alerts[1].LastSeen.Equal(t0.Add(time.Hour)) {
		t.Fatalf("alerts = %+v, want b alone in the next window and a alone in the first", alerts)
	}
	// And a leak that stops being a leak loses its alert.
	ingest(t, svc, ndjson(t, rec("k", "u2", "leakedCredentials", "low", t0)))
	ingest(t, svc, ndjson(t, rec("k", "u2", "generic", "low", t0, "activity", "user", "lastUpdatedDateTime", stamp(t0.Add(time.Hour)))))
	if got := alertsOf(t, svc, engine.PolicyLeakedCredentials); len(got) != 0 {
		t.Fatalf("leak alerts = %+v, want none", got)
	}
}

func TestThresholdChangeAppliesToLaterDetections(t *testing.T) {
	svc := open(t, service.Config{})
	ingest(t, svc, ndjson(t, rec("l1", "u1", "unlikelyTravel", "low", t0.Add(time.Hour))))
	if got := alertsOf(t, svc, engine.PolicyRiskySignIn); len(got) != 0 {
		t.Fatalf("a low window alerted under the default high threshold: %+v", got)
	}
	p, _ := svc.Policy(ctx, engine.PolicyRiskySignIn)
	p.Severity = engine.SeverityLow
	put(t, svc, p)
	if got := alertsOf(t, svc, engine.PolicyRiskySignIn); len(got) != 0 {
		t.Fatalf("lowering the threshold raised alerts from detections processed before: %+v", got)
	}
	ingest(t, svc, ndjson(t, rec("l2", "u1", "unlikelyTravel", "low", t0.Add(2*time.Hour))))
	got := alertsOf(t, svc, engine.PolicyRiskySignIn)
	if len(got) != 1 || got[0].DetectionCount != 2 {
		t.Fatalf("alerts = %+v, want the window's alert with both members", got)
	}
	// A disabled policy keeps its alerts and makes no new ones.
	p.Enabled = false
	put(t, svc, p)
	ingest(t, svc, ndjson(t, rec("l3", "u9", "unlikelyTravel", "high", t0.Add(3*time.Hour))))
	if after := alertsOf(t, svc, engine.PolicyRiskySignIn); len(after) != 1 || after[0].ID != got[0].ID {
		t.Fatalf("disabled policy: alerts = %+v, want only the old one", after)
	}
}

func TestRemediation(t *testing.T) {
	svc := open(t, service.Config{})
	p, _ := svc.Policy(ctx, engine.PolicyRiskySignIn)
	p.RemediateRiskyUsers = true
	put(t, svc, p)
	devices := ndjson(t,
		map[string]any{"id": "d1", "userId": "managed", "managementState": "managed", "complianceState": "compliant"},
		map[string]any{"id": "d2", "userId": "grace", "managementState": "managed", "complianceState": "inGracePeriod"},
	)
	if _, err := svc.IngestDevices(ctx, strings.NewReader(devices), service.IngestOptions{Source: "devices"}); err != nil {
		t.Fatal(err)
	}
	input := ndjson(t,
		rec("m1", "managed", "unlikelyTravel", "high", t0),
		rec("g1", "grace", "unlikelyTravel", "high", t0),
		rec("n1", "nodevice", "unlikelyTravel", "high", t0),
		rec("n2", "nodevice", "unlikelyTravel", "high", t0.Add(48*time.Hour)), // a second alert for the same user
		rec("r1", "resolved", "unlikelyTravel", "high", t0, "riskState", "dismissed"),
		rec("low", "lowonly", "unlikelyTravel", "low", t0),
	)
	sum := ingest(t, svc, input)
	if sum.UsersRemediated != 3 {
		t.Fatalf("users remediated = %d, want 3 (one per user with an open alert)", sum.UsersRemediated)
	}
	users, err := allUsers(ctx, svc)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, u := range users {
		if u.RiskLevel != "high" || u.RiskState != "confirmedCompromised" || u.RemediatedAt.IsZero() {
			t.Errorf("user %+v is not set to high risk", u)
		}
		got[u.UserID] = strings.Join(u.Actions, ",")
	}
	want := map[string]string{
		"managed":  "reset_password,require_mfa",
		"grace":    "reset_password,require_mfa,require_managed_device",
		"nodevice": "reset_password,require_mfa,require_managed_device",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("actions = %v, want %v", got, want)
	}
	log, _ := allRemediations(ctx, svc)
	if len(log) != 3 {
		t.Fatalf("audit log has %d entries, want 3", len(log))
	}
	// Idempotent: a new open alert of a remediated user, and a re-ingest,
	// remediate no one again.
	again := ingest(t, svc, input+ndjson(t, rec("n3", "nodevice", "unlikelyTravel", "high", t0.Add(96*time.Hour))))
	if again.UsersRemediated != 0 {
		t.Fatalf("remediated %d users again", again.UsersRemediated)
	}
	if log2, _ := allRemediations(ctx, svc); len(log2) != 3 {
		t.Fatalf("audit log grew to %d entries", len(log2))
	}
	// Actions follow today's settings and devices.
	in, _ := svc.Integration(ctx)
	in.Actions.ResetPassword = false
	if _, err := svc.SetIntegration(ctx, in); err != nil {
		t.Fatal(err)
	}
	users, _ = allUsers(ctx, svc)
	for _, u := range users {
		if strings.Contains(strings.Join(u.Actions, ","), "reset_password") {
			t.Errorf("user %s still has reset_password after it was turned off", u.UserID)
		}
	}
}

func TestRetention(t *testing.T) {
	clock := newClock()
	clock.now = t0
	svc := open(t, service.Config{Clock: clock})
	in, _ := svc.Integration(ctx)
	in.RetentionDays = 10
	if _, err := svc.SetIntegration(ctx, in); err != nil {
		t.Fatal(err)
	}
	ingest(t, svc, ndjson(t, rec("old", "u1", "leakedCredentials", "low", t0)))
	clock.Advance(6 * 24 * time.Hour)
	ingest(t, svc, ndjson(t, rec("new", "u2", "leakedCredentials", "low", t0)))
	clock.Advance(5 * 24 * time.Hour) // old is 11 days old, new 5
	got := alertsOf(t, svc, "")
	if len(got) != 1 || got[0].UserID != "u2" {
		t.Fatalf("alerts = %+v, want only the one retention still keeps", got)
	}
	// The purge itself runs whether or not the integration is enabled.
	in.Enabled = false
	if _, err := svc.SetIntegration(ctx, in); err != nil {
		t.Fatal(err)
	}
	clock.Advance(6 * 24 * time.Hour)
	if _, err := svc.IngestDetections(ctx, strings.NewReader(""), service.IngestOptions{}); !errors.Is(err, engine.ErrDisabled) {
		t.Fatalf("err = %v, want ErrDisabled", err)
	}
	in.RetentionDays = 3650
	in.Enabled = true
	if _, err := svc.SetIntegration(ctx, in); err != nil {
		t.Fatal(err)
	}
	if got := alertsOf(t, svc, ""); len(got) != 0 {
		t.Fatalf("purged alerts came back when retention grew: %+v", got)
	}
}

func TestDisabledIntegrationConsumesNothing(t *testing.T) {
	svc := open(t, service.Config{})
	dir := t.TempDir()
	file := filepath.Join(dir, "detections.ndjson")
	input := ndjson(t, rec("a", "u1", "leakedCredentials", "low", t0), rec("b", "u2", "leakedCredentials", "low", t0))
	if err := os.WriteFile(file, []byte(input), 0o600); err != nil {
		t.Fatal(err)
	}
	in := engine.DefaultIntegration()
	in.Enabled = false
	in.Source = &engine.Source{File: &engine.FileSource{Detections: []string{file}}}
	if _, err := svc.SetIntegration(ctx, in); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Sync(ctx); !errors.Is(err, engine.ErrDisabled) {
		t.Fatalf("sync while disabled: %v", err)
	}
	if _, err := svc.IngestDetections(ctx, strings.NewReader(input), service.IngestOptions{}); !errors.Is(err, engine.ErrDisabled) {
		t.Fatalf("ingest while disabled: %v", err)
	}
	in.Enabled = true
	if _, err := svc.SetIntegration(ctx, in); err != nil {
		t.Fatal(err)
	}
	sum, err := svc.Sync(ctx)
	if err != nil || sum.Accepted != 2 || sum.Read != 2 {
		t.Fatalf("sync after enabling = %+v, %v; want both records, none consumed before", sum, err)
	}
}

func TestFileSourceCursor(t *testing.T) {
	svc := open(t, service.Config{})
	file := filepath.Join(t.TempDir(), "d.ndjson")
	write := func(s string) {
		if err := os.WriteFile(file, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	first := ndjson(t, rec("a", "u1", "leakedCredentials", "low", t0))
	write(first)
	in := engine.DefaultIntegration()
	in.Source = &engine.Source{File: &engine.FileSource{Detections: []string{file}}}
	if _, err := svc.SetIntegration(ctx, in); err != nil {
		t.Fatal(err)
	}
	sync := func() engine.IngestSummary {
		t.Helper()
		sum, err := svc.Sync(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return sum
	}
	if s := sync(); s.Read != 1 || s.Accepted != 1 {
		t.Fatalf("first sync = %+v", s)
	}
	if s := sync(); s.Read != 0 {
		t.Fatalf("a sync with nothing new read %d records", s.Read)
	}
	write(first + ndjson(t, rec("b", "u2", "leakedCredentials", "low", t0)))
	if s := sync(); s.Read != 1 || s.Accepted != 1 {
		t.Fatalf("after an append, sync = %+v, want only the new record", s)
	}
	// A replaced file (different start) is read again from the start;
	// dedup absorbs what was seen.
	write(ndjson(t, rec("c", "u3", "leakedCredentials", "low", t0), rec("a", "u1", "leakedCredentials", "low", t0)))
	if s := sync(); s.Read != 2 || s.Accepted != 1 || s.Duplicates != 1 {
		t.Fatalf("after a replacement, sync = %+v", s)
	}
}
