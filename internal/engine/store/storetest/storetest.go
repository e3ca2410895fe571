// Package storetest is the conformance suite every store implementation
// runs: the same tests on SQLite always and on PostgreSQL when one is
// reachable, so the backends cannot drift apart.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

// Opener returns a new, empty store for one test.
type Opener func(t *testing.T) store.Store

// Run runs the whole suite.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"Integration", testIntegration},
		{"Policies", testPolicies},
		{"Detections", testDetections},
		{"KeptRecords", testKeptRecords},
		{"Members", testMembers},
		{"Alerts", testAlerts},
		{"QueryAlerts", testQueryAlerts},
		{"QueryAlertsFoldsCase", testQueryAlertsFoldsCase},
		{"QueryAlertTotals", testQueryAlertTotals},
		{"PurgeAlerts", testPurgeAlerts},
		{"Devices", testDevices},
		{"UserRisks", testUserRisks},
		{"UserRiskPage", testUserRiskPage},
		{"Remediations", testRemediations},
		{"Quarantine", testQuarantine},
		{"QuarantineCompression", testQuarantineCompression},
		{"QuarantinePages", testQuarantinePages},
		{"PurgeQuarantine", testPurgeQuarantine},
		{"PendingWriteback", testPendingWriteback},
		{"Lease", testLease},
		{"Cursors", testCursors},
		{"LastSync", testLastSync},
		{"Claims", testClaims},
		{"RollbackOnError", testRollback},
		{"ReadsOwnWrites", testReadsOwnWrites},
		{"ConcurrentWriters", testConcurrentWriters},
		{"AlertCounts", testAlertCounts},
		{"TopAlertUsersOrder", testTopAlertUsersOrder},
		{"PurgeCounts", testPurgeCounts},
		{"AlertByID", testAlertByID},
		{"AuditLog", testRemediationPage},
		{"UserRisksByRecency", testUserRisksByRecency},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			tc.fn(t, s)
		})
	}
}

var ctx = context.Background()

func update(t *testing.T, s store.Store, fn func(tx store.Tx) error) {
	t.Helper()
	if err := s.Update(ctx, fn); err != nil {
		t.Fatalf("update: %v", err)
	}
}

func view(t *testing.T, s store.Store, fn func(r store.Reader) error) {
	t.Helper()
	if err := s.View(ctx, fn); err != nil {
		t.Fatalf("view: %v", err)
	}
}

// at is a fixed instant with nanoseconds, to prove sub-second precision
// survives a round trip.
func at(offset time.Duration) time.Time {
	return time.Date(2025, 6, 1, 3, 13, 4, 988133000, time.UTC).Add(offset)
}

func testIntegration(t *testing.T, s store.Store) {
	view(t, s, func(r store.Reader) error {
		_, found, err := r.Integration(ctx)
		if err != nil || found {
			t.Fatalf("new store: found=%v err=%v, want nothing stored", found, err)
		}
		return nil
	})
	want := engine.Integration{Enabled: false, RetentionDays: 30, Actions: engine.Actions{RequireMFA: true},
		Source: &engine.Source{File: &engine.FileSource{Detections: []string{"/a.ndjson"}, Devices: []string{"/d.ndjson"}}}}
	update(t, s, func(tx store.Tx) error { return tx.PutIntegration(ctx, engine.DefaultIntegration()) })
	update(t, s, func(tx store.Tx) error { return tx.PutIntegration(ctx, want) })
	view(t, s, func(r store.Reader) error {
		got, found, err := r.Integration(ctx)
		if err != nil || !found {
			t.Fatalf("found=%v err=%v", found, err)
		}
		if fmt.Sprintf("%+v %+v", got.Source.File, got.Actions) != fmt.Sprintf("%+v %+v", want.Source.File, want.Actions) ||
			got.Enabled != want.Enabled || got.RetentionDays != want.RetentionDays {
			t.Fatalf("got %+v, want %+v", got, want)
		}
		return nil
	})
}

func testPolicies(t *testing.T, s store.Store) {
	a := engine.Policy{Type: engine.PolicyRiskySignIn, Enabled: true, Severity: engine.SeverityMedium, AggregationWindow: engine.Duration(time.Hour)}
	b := engine.Policy{Type: engine.PolicyCustom, Name: "anon-ip", Enabled: true, Severity: engine.SeverityLow, Condition: `detection.riskEventType == "anonymizedIPAddress"`, GroupBy: engine.GroupByDetection}
	update(t, s, func(tx store.Tx) error {
		if err := tx.PutPolicy(ctx, a); err != nil {
			return err
		}
		return tx.PutPolicy(ctx, b)
	})
	a.Severity = engine.SeverityHigh
	update(t, s, func(tx store.Tx) error { return tx.PutPolicy(ctx, a) })
	view(t, s, func(r store.Reader) error {
		ps, err := r.Policies(ctx)
		if err != nil {
			return err
		}
		if len(ps) != 2 || ps[0].ID() != "anon-ip" || ps[1].ID() != engine.PolicyRiskySignIn {
			t.Fatalf("policies = %+v, want anon-ip then risky_sign_in", ps)
		}
		if ps[1].Severity != engine.SeverityHigh || ps[1].AggregationWindow != engine.Duration(time.Hour) || ps[0].Condition != b.Condition {
			t.Fatalf("policies not stored as written: %+v", ps)
		}
		return nil
	})
	update(t, s, func(tx store.Tx) error { return tx.DeletePolicy(ctx, "anon-ip") })
	update(t, s, func(tx store.Tx) error { return tx.DeletePolicy(ctx, "never-existed") })
	view(t, s, func(r store.Reader) error {
		ps, err := r.Policies(ctx)
		if err == nil && len(ps) != 1 {
			t.Fatalf("after delete: %+v", ps)
		}
		return err
	})
}

func groupOf(user string, start time.Time) engine.GroupKey {
	return engine.WindowGroup(engine.PolicyRiskySignIn, user, start, 24*time.Hour)
}

func testDetections(t *testing.T, s store.Store) {
	k1, k2, k3 := engine.KeyOf("d1"), engine.KeyOf("d2"), engine.KeyOf("d3")
	g1, g2 := groupOf("u1", at(0)), engine.DetectionGroup(engine.PolicyLeakedCredentials, k2)
	update(t, s, func(tx store.Tx) error {
		written, err := tx.UpsertDetections(ctx, []store.StoredDetection{
			{Key: k1, Version: at(0), Groups: []engine.GroupKey{g1}},
			{Key: k2, Version: at(time.Second), Groups: []engine.GroupKey{g1, g2}},
		})
		if err == nil && (len(written) != 2 || written[k1] != nil || written[k2] != nil) {
			t.Fatalf("new detections: written = %v, want both, with nothing replaced", written)
		}
		return err
	})
	update(t, s, func(tx store.Tx) error {
		written, err := tx.UpsertDetections(ctx, []store.StoredDetection{
			{Key: k1, Version: at(time.Hour), Groups: nil},                    // newer: replaces
			{Key: k2, Version: at(time.Second), Groups: nil},                  // same version: duplicate
			{Key: k3, Version: at(-time.Hour), Groups: []engine.GroupKey{g2}}, // new
		})
		if err != nil {
			return err
		}
		prev, ok := written[k1]
		if len(written) != 2 || !ok || prev == nil || !prev.Version.Equal(at(0)) || len(prev.Groups) != 1 || prev.Groups[0] != g1 {
			t.Fatalf("written = %v, want k1 (replacing version at(0) with group g1) and k3", written)
		}
		if p3, ok := written[k3]; !ok || p3 != nil {
			t.Fatalf("k3 = %v, %v; want written as new", p3, ok)
		}
		return nil
	})
	update(t, s, func(tx store.Tx) error {
		// An older copy changes nothing; a newer one reports the groupless
		// version it replaced.
		written, err := tx.UpsertDetections(ctx, []store.StoredDetection{
			{Key: k1, Version: at(time.Minute)},
			{Key: k3, Version: at(0), Groups: []engine.GroupKey{g2}},
		})
		if err == nil && (len(written) != 1 || written[k3] == nil || !written[k3].Version.Equal(at(-time.Hour))) {
			t.Fatalf("written = %v", written)
		}
		return err
	})
	update(t, s, func(tx store.Tx) error {
		written, err := tx.UpsertDetections(ctx, []store.StoredDetection{{Key: k1, Version: at(2 * time.Hour), Groups: []engine.GroupKey{g2}}})
		if err == nil && (written[k1] == nil || len(written[k1].Groups) != 0 || !written[k1].Version.Equal(at(time.Hour))) {
			t.Fatalf("replacing a detection without groups: %+v", written[k1])
		}
		return err
	})
	view(t, s, func(r store.Reader) error {
		got, err := r.Detections(ctx, []engine.DetectionKey{k1, k2, k3, engine.KeyOf("absent")})
		if err != nil {
			return err
		}
		if len(got) != 3 {
			t.Fatalf("got %d detections, want 3 (the absent key is not returned)", len(got))
		}
		if d := got[k1]; !d.Version.Equal(at(2*time.Hour)) || len(d.Groups) != 1 || d.Groups[0] != g2 {
			t.Fatalf("k1 = %+v, want the newest version with its group", d)
		}
		if d := got[k2]; !d.Version.Equal(at(time.Second)) || len(d.Groups) != 2 || d.Groups[0] != g1 || d.Groups[1] != g2 {
			t.Fatalf("k2 = %+v, want its version and both groups in order", d)
		}
		return nil
	})
}

func member(g engine.GroupKey, id string, offset time.Duration, sev engine.Severity, open bool) engine.Member {
	return engine.Member{Group: g, Detection: engine.KeyOf(id), ActivityTime: at(offset), Severity: sev, Open: open,
		RiskEventType: "type-" + id, UserID: "user-" + id, UserPrincipalName: id + "@example.com", UserDisplayName: "Ünïcode " + id,
		RiskLevel: string(sev), RiskState: "atRisk", IPAddress: "2001:db8::" + id, City: "São Paulo", CountryOrRegion: "BR"}
}

func rows(ms ...engine.Member) []store.MemberRow {
	out := make([]store.MemberRow, len(ms))
	for i, m := range ms {
		out[i] = store.MemberRow{Group: m.Group, Detection: m.Detection, Payload: store.PackMember(m)}
	}
	return out
}

func testMembers(t *testing.T, s store.Store) {
	g1, g2, g3 := groupOf("u1", at(0)), groupOf("u2", at(0)), groupOf("u3", at(0))
	m1 := member(g1, "a", 0, engine.SeverityHigh, true)
	m2 := member(g1, "b", time.Minute, "", false)
	m3 := member(g2, "c", time.Hour, engine.SeverityLow, true)
	update(t, s, func(tx store.Tx) error { return tx.PutMembers(ctx, rows(m1, m2, m3)) })
	m2.Severity, m2.Open = engine.SeverityMedium, true
	update(t, s, func(tx store.Tx) error {
		if err := tx.PutMembers(ctx, rows(m2)); err != nil {
			return err
		}
		return tx.DeleteMembers(ctx, []store.MemberRef{{Group: g2, Detection: m3.Detection}, {Group: g3, Detection: m3.Detection}})
	})
	view(t, s, func(r store.Reader) error {
		got, err := r.Members(ctx, []engine.GroupKey{g1, g2, g3})
		if err != nil {
			return err
		}
		if len(got[g2]) != 0 || len(got[g3]) != 0 {
			t.Fatalf("deleted or absent groups returned members: %+v", got)
		}
		ms := got[g1]
		if len(ms) != 2 {
			t.Fatalf("g1 has %d members, want 2", len(ms))
		}
		byKey := map[engine.DetectionKey]engine.Member{ms[0].Detection: ms[0], ms[1].Detection: ms[1]}
		for _, want := range []engine.Member{m1, m2} {
			got := byKey[want.Detection]
			if !got.ActivityTime.Equal(want.ActivityTime) || got.Severity != want.Severity || got.Open != want.Open ||
				got.RiskEventType != want.RiskEventType || got.UserID != want.UserID || got.UserPrincipalName != want.UserPrincipalName ||
				got.UserDisplayName != want.UserDisplayName || got.Group != want.Group || got.RiskLevel != want.RiskLevel ||
				got.RiskState != want.RiskState || got.IPAddress != want.IPAddress || got.City != want.City ||
				got.CountryOrRegion != want.CountryOrRegion {
				t.Fatalf("member = %+v, want %+v", got, want)
			}
		}
		return nil
	})
}

// gk is the group key of the test alert with the given id.
func gk(id string) engine.GroupKey { return engine.DetectionGroup("test", engine.KeyOf(id)) }

func gks(ids ...string) []engine.GroupKey {
	out := make([]engine.GroupKey, len(ids))
	for i, id := range ids {
		out[i] = gk(id)
	}
	return out
}

func alert(id, policy string, sev engine.Severity, status engine.AlertStatus, upn string, first, last, updated time.Duration) engine.Alert {
	return engine.Alert{Group: gk(id), ID: id, Policy: policy, Severity: sev, Status: status, UserID: "id-" + upn, UserPrincipalName: upn,
		UserDisplayName: "Name " + upn, DetectionCount: 3, RiskEventTypes: []string{"a", "b"},
		FirstSeen: at(first), LastSeen: at(last), CreatedAt: at(updated - time.Hour), UpdatedAt: at(updated)}
}

func testAlerts(t *testing.T, s store.Store) {
	a := alert("a1", engine.PolicyRiskySignIn, engine.SeverityHigh, engine.AlertOpen, "x@example.com", 0, time.Hour, 2*time.Hour)
	b := alert("a2", engine.PolicyLeakedCredentials, engine.SeverityLow, engine.AlertResolved, "y@example.com", 0, 0, time.Hour)
	b.RiskEventTypes = []string{}
	update(t, s, func(tx store.Tx) error { return tx.PutAlerts(ctx, []engine.Alert{a, b}) })
	a.DetectionCount, a.Status = 4, engine.AlertResolved
	update(t, s, func(tx store.Tx) error { return tx.PutAlerts(ctx, []engine.Alert{a}) })
	// A user renamed: the alert follows the new name, read by group and
	// queried by user.
	a.UserPrincipalName, a.Severity = "X.Renamed@example.com", engine.SeverityMedium
	a.LastSeen, a.UpdatedAt = a.LastSeen.Add(time.Hour), a.UpdatedAt.Add(time.Hour)
	update(t, s, func(tx store.Tx) error { return tx.PutAlerts(ctx, []engine.Alert{a}) })
	view(t, s, func(r store.Reader) error {
		for upn, want := range map[string]int{"x.renamed@example.com": 1, "x@example.com": 0} {
			page, err := r.QueryAlerts(ctx, engine.AlertQuery{UserPrincipalName: upn, Limit: 10}, time.Time{})
			if err != nil {
				return err
			}
			if len(page.Alerts) != want || (want == 1 && !sameAlert(page.Alerts[0], a)) {
				t.Fatalf("alerts of %s after the rename: %+v, want %d", upn, page.Alerts, want)
			}
		}
		return nil
	})
	view(t, s, func(r store.Reader) error {
		got, err := r.Alerts(ctx, gks("a1", "a2", "nope"))
		if err != nil {
			return err
		}
		if len(got) != 2 || !sameAlert(got[gk("a1")], a) || !sameAlert(got[gk("a2")], b) {
			t.Fatalf("alerts = %+v, want %+v and %+v", got, a, b)
		}
		return nil
	})
	update(t, s, func(tx store.Tx) error { return tx.DeleteAlerts(ctx, gks("a2", "nope")) })
	view(t, s, func(r store.Reader) error {
		got, err := r.Alerts(ctx, gks("a1", "a2"))
		if err == nil && (len(got) != 1 || got[gk("a1")].ID != "a1") {
			t.Fatalf("after delete: %+v", got)
		}
		return err
	})
}

// putCounted writes alerts with their running counts, as the engine
// writes them: a store may take a query's total from the counts
// (testQueryAlertTotals).
func putCounted(t *testing.T, s store.Store, as []engine.Alert) {
	t.Helper()
	update(t, s, func(tx store.Tx) error {
		var c store.AlertCounts
		for _, a := range as {
			c.Add(a, 1)
		}
		if err := tx.PutAlerts(ctx, as); err != nil {
			return err
		}
		return tx.AddAlertCounts(ctx, c)
	})
}

func sameAlert(a, b engine.Alert) bool {
	return a.Group == b.Group && a.ID == b.ID && a.Policy == b.Policy && a.Severity == b.Severity && a.Status == b.Status && a.UserID == b.UserID &&
		a.UserPrincipalName == b.UserPrincipalName && a.UserDisplayName == b.UserDisplayName && a.DetectionCount == b.DetectionCount &&
		strings.Join(a.RiskEventTypes, ",") == strings.Join(b.RiskEventTypes, ",") && a.FirstSeen.Equal(b.FirstSeen) &&
		a.LastSeen.Equal(b.LastSeen) && a.CreatedAt.Equal(b.CreatedAt) && a.UpdatedAt.Equal(b.UpdatedAt) &&
		a.FirstSeen.Location() == time.UTC && a.UpdatedAt.Location() == time.UTC
}

func testQueryAlerts(t *testing.T, s store.Store) {
	h := time.Hour
	all := []engine.Alert{
		alert("q1", engine.PolicyRiskySignIn, engine.SeverityHigh, engine.AlertOpen, "Ann@Example.com", 0, 1*h, 10*h),
		alert("q2", engine.PolicyRiskySignIn, engine.SeverityMedium, engine.AlertResolved, "bob@example.com", 2*h, 3*h, 10*h),
		alert("q3", engine.PolicyLeakedCredentials, engine.SeverityLow, engine.AlertOpen, "ann@example.com", 4*h, 4*h, 10*h),
		alert("q4", "custom-one", engine.SeverityHigh, engine.AlertOpen, "cy@example.com", 5*h, 6*h, 1*h),
		alert("q5", engine.PolicyRiskySignIn, engine.SeverityHigh, engine.AlertOpen, "dee@example.com", 1*h, 3*h, 10*h),
	}
	putCounted(t, s, all)
	cases := []struct {
		name      string
		q         engine.AlertQuery
		notBefore time.Duration
		want      string
		total     int
	}{
		{"all, newest first, ties by id", engine.AlertQuery{}, 0, "q4,q3,q2,q5,q1", 5},
		{"policy", engine.AlertQuery{Policy: engine.PolicyRiskySignIn}, 0, "q2,q5,q1", 3},
		{"custom policy name", engine.AlertQuery{Policy: "custom-one"}, 0, "q4", 1},
		{"min severity medium", engine.AlertQuery{MinSeverity: engine.SeverityMedium}, 0, "q4,q2,q5,q1", 4},
		{"min severity high", engine.AlertQuery{MinSeverity: engine.SeverityHigh}, 0, "q4,q5,q1", 3},
		{"status resolved", engine.AlertQuery{Status: engine.AlertResolved}, 0, "q2", 1},
		{"user, case-insensitive", engine.AlertQuery{UserPrincipalName: "ANN@example.COM"}, 0, "q3,q1", 2},
		{"since: last seen at or after", engine.AlertQuery{Since: at(3 * h)}, 0, "q4,q3,q2,q5", 4},
		{"until: first seen before", engine.AlertQuery{Until: at(2 * h)}, 0, "q5,q1", 2},
		{"limit keeps total", engine.AlertQuery{Limit: 2}, 0, "q4,q3", 5},
		{"second page", engine.AlertQuery{Limit: 2, Offset: 2}, 0, "q2,q5", 5},
		{"offset without a limit", engine.AlertQuery{Offset: 3}, 0, "q5,q1", 5},
		{"offset past the end", engine.AlertQuery{Limit: 2, Offset: 5}, 0, "", 5},
		{"retention hides old updates", engine.AlertQuery{}, 2 * h, "q3,q2,q5,q1", 4},
		{"combined", engine.AlertQuery{Policy: engine.PolicyRiskySignIn, Status: engine.AlertOpen, Limit: 1}, 0, "q5", 2},
		{"nothing matches", engine.AlertQuery{Policy: "none"}, 0, "", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			view(t, s, func(r store.Reader) error {
				notBefore := time.Time{}
				if tc.notBefore != 0 {
					notBefore = at(tc.notBefore)
				}
				page, err := r.QueryAlerts(ctx, tc.q, notBefore)
				if err != nil {
					return err
				}
				var ids []string
				for _, a := range page.Alerts {
					ids = append(ids, a.ID)
				}
				if got := strings.Join(ids, ","); got != tc.want || page.Total != tc.total {
					t.Fatalf("got %q total %d, want %q total %d", got, page.Total, tc.want, tc.total)
				}
				if page.Alerts == nil {
					t.Fatalf("alerts is nil; an empty page must be an empty list")
				}
				return nil
			})
		})
	}
}

func testPurgeAlerts(t *testing.T, s store.Store) {
	update(t, s, func(tx store.Tx) error {
		return tx.PutAlerts(ctx, []engine.Alert{
			alert("old", "p", engine.SeverityHigh, engine.AlertOpen, "u", 0, 0, 0),
			alert("edge", "p", engine.SeverityHigh, engine.AlertOpen, "u", 0, 0, time.Hour),
			alert("new", "p", engine.SeverityHigh, engine.AlertOpen, "u", 0, 0, 2*time.Hour),
		})
	})
	var n int64
	update(t, s, func(tx store.Tx) error {
		var err error
		n, err = tx.PurgeAlerts(ctx, at(time.Hour), nil)
		return err
	})
	view(t, s, func(r store.Reader) error {
		got, err := r.Alerts(ctx, gks("old", "edge", "new"))
		if err == nil && (n != 1 || len(got) != 2 || got[gk("old")].ID != "") {
			t.Fatalf("purged %d, left %v; want only the alert updated before the cutoff purged", n, got)
		}
		return err
	})
}

func testDevices(t *testing.T, s store.Store) {
	devs := []engine.Device{
		{ID: "d1", UserID: "u1", ManagementState: "managed", ComplianceState: "compliant", LastSyncDateTime: at(0)},
		{ID: "d2", UserID: "u2", ManagementState: "managed", ComplianceState: "noncompliant", LastSyncDateTime: at(time.Second)},
		{ID: "d3", UserID: "u2", ManagementState: "unmanaged", ComplianceState: "compliant"},
		{ID: "d4", UserID: "u3", ManagementState: "managed", ComplianceState: "inGracePeriod", LastSyncDateTime: at(0)},
	}
	update(t, s, func(tx store.Tx) error { return tx.PutDevices(ctx, devs) })
	devs[3].ComplianceState = "compliant"
	devs[3].LastSyncDateTime = at(time.Hour)
	update(t, s, func(tx store.Tx) error { return tx.PutDevices(ctx, devs[3:]) })
	view(t, s, func(r store.Reader) error {
		versions, err := r.DeviceVersions(ctx, []string{"d1", "d3", "d4", "d9"})
		if err != nil {
			return err
		}
		if len(versions) != 3 || !versions["d1"].Equal(at(0)) || !versions["d4"].Equal(at(time.Hour)) || versions["d3"].UnixNano() != (time.Time{}).UnixNano() {
			t.Fatalf("versions = %v", versions)
		}
		managed, err := r.ManagedUsers(ctx, []string{"u1", "u2", "u3", "u4"})
		if err != nil {
			return err
		}
		if len(managed) != 2 || !managed["u1"] || !managed["u3"] {
			t.Fatalf("managed = %v, want u1 and u3 (managed and compliant only)", managed)
		}
		return nil
	})
}

func testUserRisks(t *testing.T, s store.Store) {
	us := []engine.UserRisk{
		{UserID: "u1", UserPrincipalName: "a@x", RiskLevel: "high", RiskState: "confirmedCompromised", RemediatedAt: at(0)},
		{UserID: "u2", UserPrincipalName: "b@x", RiskLevel: "high", RiskState: "confirmedCompromised", RemediatedAt: at(time.Minute)},
	}
	update(t, s, func(tx store.Tx) error { return tx.PutUserRisks(ctx, us) })
	view(t, s, func(r store.Reader) error {
		all, err := r.UserRisks(ctx, nil)
		if err != nil {
			return err
		}
		some, err := r.UserRisks(ctx, []string{"u2", "u9"})
		if err != nil {
			return err
		}
		if len(all) != 2 || len(some) != 1 || some["u2"].UserPrincipalName != "b@x" || !all["u1"].RemediatedAt.Equal(at(0)) {
			t.Fatalf("all=%v some=%v", all, some)
		}
		return nil
	})
}

func testCursors(t *testing.T, s store.Store) {
	update(t, s, func(tx store.Tx) error {
		if c, err := tx.Cursor(ctx, "file:a"); err != nil || c != "" {
			t.Fatalf("missing cursor = %q, %v; want empty", c, err)
		}
		return tx.SetCursor(ctx, "file:a", "1")
	})
	update(t, s, func(tx store.Tx) error { return tx.SetCursor(ctx, "file:a", `{"offset":2}`) })
	view(t, s, func(r store.Reader) error {
		c, err := r.Cursor(ctx, "file:a")
		if err == nil && c != `{"offset":2}` {
			t.Fatalf("cursor = %q", c)
		}
		return err
	})
}

func testRollback(t *testing.T, s store.Store) {
	boom := errors.New("boom")
	err := s.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.UpsertDetections(ctx, []store.StoredDetection{{Key: engine.KeyOf("r1"), Version: at(0)}}); err != nil {
			return err
		}
		if err := tx.SetCursor(ctx, "c", "x"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update returned %v, want the function's error", err)
	}
	view(t, s, func(r store.Reader) error {
		got, err := r.Detections(ctx, []engine.DetectionKey{engine.KeyOf("r1")})
		if err != nil {
			return err
		}
		c, err := r.Cursor(ctx, "c")
		if len(got) != 0 || c != "" {
			t.Fatalf("a failed transaction left %v and cursor %q behind", got, c)
		}
		return err
	})
}

func testReadsOwnWrites(t *testing.T, s store.Store) {
	k := engine.KeyOf("own")
	update(t, s, func(tx store.Tx) error {
		if err := tx.Lock(ctx, store.LockKeys{Detections: []engine.DetectionKey{k}}); err != nil {
			return err
		}
		if _, err := tx.UpsertDetections(ctx, []store.StoredDetection{{Key: k, Version: at(0)}}); err != nil {
			return err
		}
		got, err := tx.Detections(ctx, []engine.DetectionKey{k})
		if err == nil && len(got) != 1 {
			t.Fatalf("a transaction does not see its own write")
		}
		return err
	})
}

func testConcurrentWriters(t *testing.T, s store.Store) {
	const writers, each = 4, 50
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				key := engine.KeyOf(fmt.Sprintf("w%d-%d", w, i))
				err := s.Update(ctx, func(tx store.Tx) error {
					if err := tx.Lock(ctx, store.LockKeys{Detections: []engine.DetectionKey{key}}); err != nil {
						return err
					}
					_, err := tx.UpsertDetections(ctx, []store.StoredDetection{{Key: key, Version: at(0)}})
					return err
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent writer failed: %v", err)
	}
	var keys []engine.DetectionKey
	for w := 0; w < writers; w++ {
		for i := 0; i < each; i++ {
			keys = append(keys, engine.KeyOf(fmt.Sprintf("w%d-%d", w, i)))
		}
	}
	view(t, s, func(r store.Reader) error {
		got, err := r.Detections(ctx, keys)
		if err == nil && len(got) != writers*each {
			t.Fatalf("got %d detections, want %d", len(got), writers*each)
		}
		return err
	})
}
