package service_test

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/service"
	"github.com/idp/terraform-provider-idp/internal/engine/store/postgres/pgtest"
	"github.com/idp/terraform-provider-idp/internal/engine/store/storeopen"
)

// backends runs fn on a fresh engine over SQLite and over PostgreSQL (when
// one is reachable, see pgtest).
func backends(t *testing.T, cfg service.Config, fn func(t *testing.T, svc *service.Service)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, open(t, cfg)) })
	t.Run("postgres", func(t *testing.T) {
		cfg := cfg
		cfg.DatabaseURL = pgtest.URL(t)
		svc, err := storeopen.Service(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { svc.Close() })
		fn(t, svc)
	})
}

// quickstart tunes the policies as examples/quickstart does.
func quickstart(t *testing.T, svc *service.Service) {
	put(t, svc, engine.Policy{Type: engine.PolicyLeakedCredentials, Enabled: true, Severity: engine.SeverityMedium})
	put(t, svc, engine.Policy{Type: engine.PolicyRiskySignIn, Enabled: true, Severity: engine.SeverityMedium,
		AggregationWindow: engine.Duration(12 * time.Hour), RemediateRiskyUsers: true})
	put(t, svc, engine.Policy{Type: engine.PolicyCustom, Name: "anonymous-ip-abroad", Enabled: true, Severity: engine.SeverityMedium,
		GroupBy: engine.GroupByUser, Condition: `detection.riskEventType in ["anonymizedIPAddress", "maliciousIPAddress"] && ` +
			`has(detection.location) && detection.location.countryOrRegion != "US"`})
}

func sample(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "examples", "quickstart", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// checkOverview compares the overview, for every policy and for all, with
// what Alerts returns over the same engine: the counts are kept apart from
// the alerts, and must never drift from them.
func checkOverview(t *testing.T, svc *service.Service) {
	t.Helper()
	all, err := svc.Alerts(ctx, engine.AlertQuery{})
	if err != nil {
		t.Fatal(err)
	}
	policies := map[string]bool{"": true}
	for _, a := range all.Alerts {
		policies[a.Policy] = true
	}
	for policy := range policies {
		ov, err := svc.Overview(ctx, engine.OverviewQuery{Policy: policy, Days: 60, TopUsers: 1000})
		if err != nil {
			t.Fatal(err)
		}
		var open, resolved int64
		days := map[time.Time][3]int64{}
		for _, a := range all.Alerts {
			if policy != "" && a.Policy != policy {
				continue
			}
			if a.Status == engine.AlertOpen {
				open++
			} else {
				resolved++
			}
			d := days[a.FirstSeen.Truncate(24*time.Hour)]
			d[a.Severity.Rank()-1]++
			days[a.FirstSeen.Truncate(24*time.Hour)] = d
		}
		if ov.Open != open || ov.Resolved != resolved {
			t.Fatalf("policy %q: overview open %d resolved %d, alerts say %d and %d", policy, ov.Open, ov.Resolved, open, resolved)
		}
		var charted int64
		for _, d := range ov.Days {
			if want := days[d.Day]; [3]int64{d.Low, d.Medium, d.High} != want {
				t.Fatalf("policy %q, %s: overview %d/%d/%d, alerts say %v", policy, d.Day.Format(time.DateOnly), d.Low, d.Medium, d.High, want)
			}
			charted += d.Total()
		}
		if charted != open+resolved {
			t.Fatalf("policy %q: the chart's %d days hold %d alerts of %d", policy, len(ov.Days), charted, open+resolved)
		}
		if len(all.Alerts) > 0 && ov.Days[len(ov.Days)-1].Total() == 0 {
			t.Fatalf("policy %q: the chart does not end on the newest day with alerts", policy)
		}
	}
	ov, err := svc.Overview(ctx, engine.OverviewQuery{TopUsers: 1000})
	if err != nil {
		t.Fatal(err)
	}
	users := map[string]engine.UserAlerts{}
	for _, a := range all.Alerts {
		u := users[a.UserID]
		u.UserID = a.UserID
		switch {
		case a.Status == engine.AlertResolved:
			u.Resolved++
		case a.Severity == engine.SeverityHigh:
			u.OpenHigh++
		case a.Severity == engine.SeverityMedium:
			u.OpenMedium++
		default:
			u.OpenLow++
		}
		users[a.UserID] = u
	}
	var want []string
	for _, u := range users {
		if u.Open() > 0 {
			want = append(want, fmt.Sprintf("%s:%d/%d/%d/%d", u.UserID, u.OpenHigh, u.OpenMedium, u.OpenLow, u.Resolved))
		}
	}
	var got []string
	for _, u := range ov.TopUsers {
		got = append(got, fmt.Sprintf("%s:%d/%d/%d/%d", u.UserID, u.OpenHigh, u.OpenMedium, u.OpenLow, u.Resolved))
	}
	if !slices.IsSortedFunc(ov.TopUsers, func(a, b engine.UserAlerts) int {
		return cmp.Or(cmp.Compare(b.OpenHigh, a.OpenHigh), cmp.Compare(b.OpenMedium, a.OpenMedium), cmp.Compare(b.OpenLow, a.OpenLow))
	}) {
		t.Fatalf("top users are not ordered by open alerts, high first: %v", got)
	}
	slices.Sort(got)
	slices.Sort(want)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("users with open alerts:\n overview %v\n alerts   %v", got, want)
	}
}

func TestOverviewAgreesWithAlerts(t *testing.T) {
	clock := newClock()
	// Small transactions: the counts move in many steps, updates of
	// alerts written by earlier transactions among them.
	backends(t, service.Config{Clock: clock, TxRecords: 37}, func(t *testing.T, svc *service.Service) {
		quickstart(t, svc)
		in, _ := svc.Integration(ctx)
		in.RetentionDays = 30
		if _, err := svc.SetIntegration(ctx, in); err != nil {
			t.Fatal(err)
		}
		detections := strings.SplitAfter(sample(t, "detections-sample.ndjson"), "\n")
		half := len(detections) / 2
		ingest(t, svc, strings.Join(detections[:half], ""))
		checkOverview(t, svc)
		clock.Advance(20 * 24 * time.Hour)
		ingest(t, svc, strings.Join(detections[half:], ""))
		// Resolve some alerts and lower others below their threshold.
		ingest(t, svc, ndjson(t,
			rec("resolve-1", "2265b1f5-91b7-4d8f-acd6-1027c386bbc4", "leakedCredentials", "high", t0, "riskState", "remediated"),
			rec("new-high", "u-new", "unlikelyTravel", "high", t0.Add(-2*24*time.Hour))))
		checkOverview(t, svc)
		ov, err := svc.Overview(ctx, engine.OverviewQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if ov.Open == 0 || ov.Resolved == 0 || len(ov.Policies) != 3 || len(ov.TopUsers) == 0 {
			t.Fatalf("the sample gives a thin overview: %+v", ov)
		}

		// The first half's alerts are 25 days old now, past retention, and
		// not purged yet: the overview must leave them out as Alerts does.
		clock.Advance(11 * 24 * time.Hour)
		before, err := svc.Alerts(ctx, engine.AlertQuery{})
		if err != nil {
			t.Fatal(err)
		}
		checkOverview(t, svc)
		n, err := svc.PurgeExpired(ctx)
		if err != nil || n == 0 {
			t.Fatalf("purged %d alerts (%v); the test wants some expired", n, err)
		}
		checkOverview(t, svc)
		after, err := svc.Alerts(ctx, engine.AlertQuery{})
		if err != nil || after.Total != before.Total {
			t.Fatalf("the purge changed what Alerts returns: %d then %d (%v)", before.Total, after.Total, err)
		}
	})
}

func TestAlertDetectionsListsMembers(t *testing.T) {
	backends(t, service.Config{Clock: newClock()}, func(t *testing.T, svc *service.Service) {
		put(t, svc, engine.Policy{Type: engine.PolicyRiskySignIn, Enabled: true, Severity: engine.SeverityHigh})
		ingest(t, svc, ndjson(t,
			rec("s1", "u1", "unlikelyTravel", "high", t0.Add(time.Hour), "ipAddress", "203.0.113.7",
				"location", map[string]any{"city": "Lima", "state": "Lima", "countryOrRegion": "PE"}),
			rec("s2", "u1", "anonymizedIPAddress", "low", t0.Add(2*time.Hour), "riskState", "dismissed", "location", nil),
			rec("l1", "u2", "leakedCredentials", "medium", t0, "ipAddress", "198.51.100.1"),
		))
		alerts := alertsOf(t, svc, "")
		if len(alerts) != 2 {
			t.Fatalf("alerts = %+v, want a window alert and a leaked-credentials one", alerts)
		}
		byPolicy := map[string]engine.Alert{}
		for _, a := range alerts {
			byPolicy[a.Policy] = a
		}
		ds, err := svc.AlertDetections(ctx, byPolicy[engine.PolicyRiskySignIn].ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) != 2 {
			t.Fatalf("window alert detections = %+v, want 2", ds)
		}
		// Newest first.
		if d := ds[0]; d.RiskEventType != "anonymizedIPAddress" || d.RiskLevel != "low" || d.RiskState != "dismissed" ||
			d.Location != nil || !d.ActivityDateTime.Equal(t0.Add(2*time.Hour)) {
			t.Fatalf("first detection = %+v", d)
		}
		if d := ds[1]; d.RiskEventType != "unlikelyTravel" || d.RiskLevel != "high" || d.RiskState != "atRisk" || d.IPAddress != "203.0.113.7" ||
			d.Location == nil || d.Location.City != "Lima" || d.Location.CountryOrRegion != "PE" || d.UserPrincipalName != "u1@example.com" {
			t.Fatalf("second detection = %+v", d)
		}
		// A per-detection alert lists its one detection too.
		ds, err = svc.AlertDetections(ctx, byPolicy[engine.PolicyLeakedCredentials].ID)
		if err != nil || len(ds) != 1 || ds[0].IPAddress != "198.51.100.1" || ds[0].RiskLevel != "medium" {
			t.Fatalf("leaked-credentials detections = %+v, %v", ds, err)
		}
		if _, err := svc.AlertDetections(ctx, "no-such-alert"); !errors.Is(err, engine.ErrNotFound) {
			t.Fatalf("unknown alert: err = %v, want ErrNotFound", err)
		}
		a, err := svc.Alert(ctx, byPolicy[engine.PolicyLeakedCredentials].ID)
		if err != nil || a.UserID != "u2" {
			t.Fatalf("Alert = %+v, %v", a, err)
		}
	})
}

func TestUsersAndLogsPaged(t *testing.T) {
	backends(t, service.Config{Clock: newClock()}, func(t *testing.T, svc *service.Service) {
		quickstart(t, svc)
		ingest(t, svc, sample(t, "detections-sample.ndjson"))
		if _, err := svc.IngestDevices(ctx, strings.NewReader(sample(t, "devices-sample.ndjson")), service.IngestOptions{Source: "devices"}); err != nil {
			t.Fatal(err)
		}
		ingest(t, svc, "{not json\n{\"id\": 1}\n")
		users, err := svc.Users(ctx, engine.Page{})
		all := users.Users
		if err != nil || len(all) < 3 {
			t.Fatalf("users = %d (%v); the sample should remediate several", len(all), err)
		}
		byID := map[string]engine.User{}
		for _, u := range all {
			byID[u.UserID] = u
		}
		seen := map[string]bool{}
		for offset := 0; offset < len(all); offset += 2 {
			page, err := svc.UserPage(ctx, offset, 2)
			if err != nil || page.Total != len(all) {
				t.Fatalf("page at %d: total %d (%v), want %d", offset, page.Total, err, len(all))
			}
			for _, u := range page.Users {
				want := byID[u.UserID]
				if seen[u.UserID] || u.ManagedDevice != want.ManagedDevice || strings.Join(u.Actions, ",") != strings.Join(want.Actions, ",") {
					t.Fatalf("paged user %+v; Users says %+v (seen before: %v)", u, want, seen[u.UserID])
				}
				seen[u.UserID] = true
			}
		}
		if len(seen) != len(all) {
			t.Fatalf("pages held %d users of %d", len(seen), len(all))
		}

		u := all[0]
		d, err := svc.UserDetail(ctx, u.UserID)
		if err != nil || !d.Remediated || d.RiskLevel != engine.UserRiskHigh || d.UserPrincipalName != u.UserPrincipalName ||
			d.ManagedDevice != u.ManagedDevice || d.Alerts.Open()+d.Alerts.Resolved == 0 {
			t.Fatalf("user detail = %+v, %v; Users says %+v", d, err, u)
		}
		if _, err := svc.UserDetail(ctx, "nobody"); !errors.Is(err, engine.ErrNotFound) {
			t.Fatalf("unknown user: err = %v, want ErrNotFound", err)
		}

		logPage, err := svc.Remediations(ctx, engine.Page{})
		log := logPage.Remediations
		if err != nil {
			t.Fatal(err)
		}
		page, err := svc.RemediationLog(ctx, engine.AuditLogQuery{Limit: 1})
		if err != nil || page.Total != len(log) || len(page.Entries) != 1 || page.Entries[0].AlertID != log[len(log)-1].AlertID {
			t.Fatalf("newest log entry = %+v (total %d, %v), log ends with %+v", page.Entries, page.Total, err, log[len(log)-1])
		}
		byAlert, err := svc.RemediationLog(ctx, engine.AuditLogQuery{AlertID: log[0].AlertID, Limit: 10})
		if err != nil || byAlert.Total != 1 || byAlert.Entries[0].UserID != log[0].UserID {
			t.Fatalf("entries of alert %s = %+v, %v", log[0].AlertID, byAlert, err)
		}

		q, err := svc.QuarantinePage(ctx, 0, 10, 5)
		if err != nil || q.Total != 2 || len(q.Entries) != 2 || q.Entries[1].Raw != `{"id"` || q.Entries[1].Size != 9 || q.Entries[0].Raw != "{not " {
			t.Fatalf("quarantine page = %+v, %v", q, err)
		}
	})
}
