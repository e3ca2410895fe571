package service_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/service"
)

func custom(name, cond string) engine.Policy {
	return engine.Policy{Type: engine.PolicyCustom, Name: name, Enabled: true, Condition: cond}
}

// fieldFixture covers every kind of field a condition reads, full and
// sparse records, the beta riskType name, odd enum values, a null location
// and a record ingest quarantines.
var fieldFixture = []map[string]any{
	{"id": "full", "userId": "u-alice", "riskEventType": "anonymizedIPAddress", "riskLevel": "high", "riskState": "atRisk",
		"requestId": "req-1", "correlationId": "corr-1", "riskDetail": "none", "source": "IdentityProtection",
		"detectionTimingType": "realtime", "activity": "signin", "tokenIssuerType": "AzureAD", "ipAddress": "203.0.113.7",
		"location": map[string]any{"city": "Amsterdam", "state": "Noord-Holland", "countryOrRegion": "NL",
			"geoCoordinates": map[string]any{"latitude": 52.37, "longitude": 4.89}},
		"activityDateTime": "2025-06-14T03:25:41.5Z", "detectedDateTime": "2025-06-14T03:27:41.5Z",
		"lastUpdatedDateTime": "2025-06-14T04:25:41.5Z", "userDisplayName": "Alice", "userPrincipalName": "Alice@Contoso.com",
		"additionalInfo": `[{"Key":"userAgent","Value":"curl/8.0"}]`},
	{"id": "sparse", "userId": "u-bob", "riskEventType": "unfamiliarFeatures", "riskLevel": "medium", "activityDateTime": "2025-06-14T10:00:00Z"},
	{"id": "us-beta", "userId": "u-carol", "riskType": "unfamiliarFeatures", "riskLevel": "low", "activity": "signin",
		"location": map[string]any{"city": "Seattle", "countryOrRegion": "US"}, "activityDateTime": "2025-06-13T23:59:59Z",
		"detectedDateTime": "2025-06-14T00:05:00Z", "userPrincipalName": "carol@fabrikam.com"},
	{"id": "null-location", "userId": "u-dave", "riskEventType": "maliciousIPAddress", "riskLevel": "high", "location": nil,
		"tokenIssuerType": "Azure Active Directory", "ipAddress": "not-an-ip", "activityDateTime": "2025-06-15T08:00:00+02:00"},
	{"id": "city-only", "userId": "u-erin", "riskEventType": "anonymizedIPAddress", "riskLevel": "medium", "riskState": "dismissed",
		"location": map[string]any{"city": "Brussels"}, "activityDateTime": "2025-06-14T12:00:00Z"},
	// Selected by most conditions, but a hidden level never alerts.
	{"id": "hidden", "userId": "u-alice", "riskEventType": "anonymizedIPAddress", "riskLevel": "hidden", "activityDateTime": "2025-06-14T12:00:00Z"},
	// No userId: quarantined, so no condition ever sees it.
	{"id": "quarantined", "riskEventType": "anonymizedIPAddress", "riskLevel": "high", "activityDateTime": "2025-06-14T12:00:00Z"},
}

// TestConditionsThroughIngest runs conditions over every field type through
// the whole ingest path: decoding, storage, grouping and alerts.
func TestConditionsThroughIngest(t *testing.T) {
	all := []string{"full", "sparse", "us-beta", "null-location", "city-only"}
	tests := []struct {
		name      string
		condition string
		alerts    []string // detection ids
	}{
		{"everything ranked", `true`, all},
		{"string", `detection.riskEventType == "anonymizedIPAddress"`, []string{"full", "city-only"}},
		{"beta riskType", `detection.riskEventType == "unfamiliarFeatures"`, []string{"sparse", "us-beta"}},
		{"riskLevel", `detection.riskLevel == "medium"`, []string{"sparse", "city-only"}},
		{"riskState", `detection.riskState == "atRisk"`, []string{"full"}},
		{"absent riskState", `detection.riskState == ""`, []string{"sparse", "us-beta", "null-location"}},
		{"request and correlation", `detection.requestId == "req-1" && detection.correlationId == "corr-1"`, []string{"full"}},
		{"detail, source, timing", `detection.riskDetail == "none" && detection.source == "IdentityProtection" && detection.detectionTimingType == "realtime"`, []string{"full"}},
		{"activity", `detection.activity == "signin"`, []string{"full", "us-beta"}},
		{"unknown enum kept", `detection.tokenIssuerType == "Azure Active Directory"`, []string{"null-location"}},
		{"ip prefix", `detection.ipAddress.startsWith("203.0.113.")`, []string{"full"}},
		{"odd ip kept", `detection.ipAddress == "not-an-ip"`, []string{"null-location"}},
		{"upn suffix", `detection.userPrincipalName.lowerAscii().endsWith("@contoso.com")`, []string{"full"}},
		{"absent upn", `detection.userPrincipalName == ""`, []string{"sparse", "null-location", "city-only"}},
		{"user id and display name", `detection.userId == "u-alice" && detection.userDisplayName == "Alice"`, []string{"full"}},
		{"additionalInfo", `detection.additionalInfo.contains("curl/")`, []string{"full"}},
		{"country, absent reads empty", `detection.location.countryOrRegion != "US"`, []string{"full", "sparse", "null-location", "city-only"}},
		{"country with has", `has(detection.location) && detection.location.countryOrRegion != "US"`, []string{"full", "city-only"}},
		{"absent country inside a location", `has(detection.location) && !has(detection.location.countryOrRegion)`, []string{"city-only"}},
		{"city and state", `detection.location.city == "Amsterdam" && detection.location.state == "Noord-Holland"`, []string{"full"}},
		{"coordinates", `detection.location.geoCoordinates.latitude > 50 && detection.location.geoCoordinates.longitude < 5.0`, []string{"full"}},
		{"has coordinates", `has(detection.location.geoCoordinates)`, []string{"full"}},
		{"activity after", `detection.activityDateTime >= timestamp("2025-06-14T00:00:00Z")`, []string{"full", "sparse", "null-location", "city-only"}},
		{"offset normalized", `detection.activityDateTime == timestamp("2025-06-15T06:00:00Z")`, []string{"null-location"}},
		{"sub-second kept", `detection.activityDateTime == timestamp("2025-06-14T03:25:41.5Z")`, []string{"full"}},
		{"hour in UTC", `detection.activityDateTime.getHours() == 3`, []string{"full"}},
		{"detection delay", `detection.detectedDateTime - detection.activityDateTime > duration("1m")`, []string{"full", "us-beta"}},
		{"has optional time", `has(detection.detectedDateTime)`, []string{"full", "us-beta"}},
		{"absent optional time", `!has(detection.lastUpdatedDateTime)`, []string{"sparse", "us-beta", "null-location", "city-only"}},
		{"absent time is the epoch", `detection.lastUpdatedDateTime < timestamp("2000-01-01T00:00:00Z")`, []string{"sparse", "us-beta", "null-location", "city-only"}},
		{"nothing", `detection.riskEventType == "passwordSpray"`, nil},
	}
	svc := open(t, service.Config{Clock: newClock()})
	for i, tt := range tests {
		put(t, svc, custom(fmt.Sprintf("c%02d", i), tt.condition))
	}
	sum := ingest(t, svc, ndjson(t, fieldFixture...))
	if sum.Read != 7 || sum.Accepted != 6 || sum.Quarantined != 1 {
		t.Fatalf("summary %+v: want 7 read, 6 accepted, 1 quarantined", sum)
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := fmt.Sprintf("c%02d", i)
			got := alertsOf(t, svc, name)
			if want := perDetection(name, tt.alerts...); !slices.Equal(alertIDs(got), want) {
				t.Errorf("%s: %d alerts %v, want %d on %v", tt.condition, len(got), alertIDs(got), len(tt.alerts), tt.alerts)
			}
			for _, a := range got {
				if a.Policy != name || a.DetectionCount != 1 {
					t.Errorf("alert %+v: want policy %q and one detection", a, name)
				}
			}
		})
	}

	// One alert in full: the policy's name, the detection's fields.
	got := alertsOf(t, svc, "c01")
	byID := map[string]engine.Alert{}
	for _, a := range got {
		byID[a.ID] = a
	}
	full := byID[perDetection("c01", "full")[0]]
	want := engine.Alert{ID: full.ID, Policy: "c01", Severity: "high", Status: "open", UserID: "u-alice",
		UserPrincipalName: "Alice@Contoso.com", UserDisplayName: "Alice", DetectionCount: 1,
		RiskEventTypes: []string{"anonymizedIPAddress"}, FirstSeen: time.Date(2025, 6, 14, 3, 25, 41, 500_000_000, time.UTC)}
	want.LastSeen, want.CreatedAt, want.UpdatedAt = want.FirstSeen, full.CreatedAt, full.UpdatedAt
	if !alertEqual(full, want) {
		t.Errorf("alert on full =\n%+v\nwant\n%+v", full, want)
	}
	if dismissed := byID[perDetection("c01", "city-only")[0]]; dismissed.Status != engine.AlertResolved {
		t.Errorf("alert on a dismissed detection is %q, want resolved", dismissed.Status)
	}
}

func alertEqual(a, b engine.Alert) bool {
	return a.ID == b.ID && a.Policy == b.Policy && a.Severity == b.Severity && a.Status == b.Status && a.UserID == b.UserID &&
		a.UserPrincipalName == b.UserPrincipalName && a.UserDisplayName == b.UserDisplayName && a.DetectionCount == b.DetectionCount &&
		slices.Equal(a.RiskEventTypes, b.RiskEventTypes) && a.FirstSeen.Equal(b.FirstSeen) && a.LastSeen.Equal(b.LastSeen)
}

// TestGrouping generates detections for a few users over a few days and
// checks both groupings against alerts computed here, independently of the
// engine's grouping code: per detection, and per user and 6-hour window.
func TestGrouping(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	users := []string{"u0", "u1", "u2", "u3"}
	types := []string{"anonymizedIPAddress", "unfamiliarFeatures", "leakedCredentials"}
	levels := []string{"low", "medium", "high", "hidden", "none"}
	states := []string{"atRisk", "atRisk", "dismissed", "remediated"}
	base := time.Date(2025, 6, 10, 0, 0, 0, 0, time.UTC)

	type det struct {
		id, user, typ, level, state string
		at                          time.Time
	}
	var dets []det
	var records []map[string]any
	for i := range 300 {
		d := det{id: fmt.Sprintf("g-%03d", i), user: users[rng.IntN(len(users))], typ: types[rng.IntN(len(types))],
			level: levels[rng.IntN(len(levels))], state: states[rng.IntN(len(states))],
			at: base.Add(time.Duration(rng.Int64N(int64(72 * time.Hour))))}
		dets = append(dets, d)
		records = append(records, map[string]any{"id": d.id, "userId": d.user, "userPrincipalName": d.user + "@contoso.com",
			"riskEventType": d.typ, "riskLevel": d.level, "riskState": d.state,
			"activityDateTime": d.at.Format(time.RFC3339Nano)})
	}
	rank := map[string]int{"low": 1, "medium": 2, "high": 3}

	// Per user and window: members are every selected detection whatever
	// its level; the alert exists when the highest reaches medium.
	type window struct {
		user  string
		start int64
	}
	type expected struct {
		max, count  int
		open        bool
		first, last time.Time
		types       map[string]bool
	}
	const windowSeconds = 6 * 3600
	wants := map[window]*expected{}
	var wantPerDetection []string
	for _, d := range dets {
		if d.typ == "anonymizedIPAddress" && d.level == "high" {
			wantPerDetection = append(wantPerDetection, d.id)
		}
		if d.typ == "leakedCredentials" {
			continue
		}
		sec := d.at.Unix()
		w := window{d.user, sec - sec%windowSeconds}
		e := wants[w]
		if e == nil {
			e = &expected{first: d.at, last: d.at, types: map[string]bool{}}
			wants[w] = e
		}
		e.count++
		e.max = max(e.max, rank[d.level])
		e.open = e.open || d.state == "atRisk"
		e.types[d.typ] = true
		if d.at.Before(e.first) {
			e.first = d.at
		}
		if d.at.After(e.last) {
			e.last = d.at
		}
	}

	svc := open(t, service.Config{Clock: newClock(), TxRecords: 17})
	put(t, svc, engine.Policy{Type: "custom", Name: "by-user", Enabled: true, Severity: "medium", GroupBy: "user",
		AggregationWindow: engine.Duration(6 * time.Hour), Condition: `detection.riskEventType != "leakedCredentials"`})
	put(t, svc, engine.Policy{Type: "custom", Name: "by-detection", Enabled: true, Severity: "high",
		Condition: `detection.riskEventType == "anonymizedIPAddress"`})

	// Shuffled, in three ingests: windows span ingests and transactions.
	rng.Shuffle(len(records), func(i, j int) { records[i], records[j] = records[j], records[i] })
	for _, part := range [][]map[string]any{records[:100], records[100:210], records[210:]} {
		ingest(t, svc, ndjson(t, part...))
	}

	if got, want := alertIDs(alertsOf(t, svc, "by-detection")), perDetection("by-detection", wantPerDetection...); !slices.Equal(got, want) {
		t.Errorf("by-detection: %d alerts, want %d", len(got), len(want))
	}

	got := map[string]engine.Alert{}
	for _, a := range alertsOf(t, svc, "by-user") {
		got[a.ID] = a
	}
	n := 0
	for w, e := range wants {
		id := engine.WindowGroup("by-user", w.user, time.Unix(w.start, 0), 6*time.Hour).AlertID()
		a, ok := got[id]
		if e.max < 2 {
			if ok {
				t.Errorf("window %v: alert %+v, but its highest level is below medium", w, a)
			}
			continue
		}
		n++
		if !ok {
			t.Errorf("window %v: no alert, want one of severity rank %d", w, e.max)
			continue
		}
		var types []string
		for typ := range e.types {
			types = append(types, typ)
		}
		sort.Strings(types)
		status := engine.AlertResolved
		if e.open {
			status = engine.AlertOpen
		}
		want := engine.Alert{ID: id, Policy: "by-user", Severity: engine.Severities[e.max-1], Status: status, UserID: w.user,
			UserPrincipalName: w.user + "@contoso.com", DetectionCount: e.count, RiskEventTypes: types, FirstSeen: e.first, LastSeen: e.last}
		if !alertEqual(a, want) {
			t.Errorf("window %v:\n got %+v\nwant %+v", w, a, want)
		}
	}
	if len(got) != n {
		t.Errorf("by-user: %d alerts, want %d", len(got), n)
	}
	if n < 10 {
		t.Fatalf("the fixture makes only %d window alerts: too few to test anything", n)
	}
}

// TestCustomPolicyAppliesToLaterDetections: a policy created after an ingest
// sees only detections processed after it; re-ingesting the earlier input
// changes nothing, as its records are duplicates.
func TestCustomPolicyAppliesToLaterDetections(t *testing.T) {
	rec := func(id, user, level, at string, extra ...string) map[string]any {
		r := map[string]any{"id": id, "userId": user, "riskEventType": "anonymizedIPAddress", "riskLevel": level, "activityDateTime": at}
		for i := 0; i+1 < len(extra); i += 2 {
			r[extra[i]] = extra[i+1]
		}
		return r
	}
	earlier := ndjson(t,
		rec("a1", "u1", "high", "2025-06-14T01:00:00Z"),
		rec("a2", "u2", "medium", "2025-06-14T02:00:00Z"))
	later := ndjson(t,
		rec("b1", "u1", "low", "2025-06-14T03:00:00Z"),
		// A newer copy of a2 is processed again, so the policy now sees it.
		rec("a2", "u2", "medium", "2025-06-14T02:00:00Z", "lastUpdatedDateTime", "2025-06-15T00:00:00Z"))

	for _, groupBy := range []string{"detection", "user"} {
		t.Run(groupBy, func(t *testing.T) {
			svc := open(t, service.Config{Clock: newClock()})
			ingest(t, svc, earlier)
			put(t, svc, engine.Policy{Type: "custom", Name: "anon", Enabled: true, GroupBy: groupBy,
				Condition: `detection.riskEventType == "anonymizedIPAddress"`})

			sum := ingest(t, svc, earlier)
			if sum.Duplicates != 2 || sum.Accepted+sum.Updated != 0 || sum.AlertsCreated != 0 {
				t.Errorf("re-ingest: %+v, want 2 duplicates and nothing else", sum)
			}
			if got := alertsOf(t, svc, "anon"); len(got) != 0 {
				t.Fatalf("after re-ingesting the earlier input: %d alerts, want none", len(got))
			}

			sum = ingest(t, svc, later)
			if sum.Accepted != 1 || sum.Updated != 1 || sum.AlertsCreated != 2 {
				t.Errorf("later ingest: %+v, want 1 accepted, 1 updated, 2 alerts created", sum)
			}
			got := alertsOf(t, svc, "anon")
			var want []string
			if groupBy == "detection" {
				want = perDetection("anon", "b1", "a2")
			} else {
				// a1 shares b1's window but was processed before the policy
				// existed, so it is not a member.
				want = []string{
					engine.WindowGroup("anon", "u1", time.Date(2025, 6, 14, 0, 0, 0, 0, time.UTC), 24*time.Hour).AlertID(),
					engine.WindowGroup("anon", "u2", time.Date(2025, 6, 14, 0, 0, 0, 0, time.UTC), 24*time.Hour).AlertID(),
				}
				sort.Strings(want)
			}
			if !slices.Equal(alertIDs(got), want) {
				t.Fatalf("alerts %v, want %v", alertIDs(got), want)
			}
			for _, a := range got {
				if a.DetectionCount != 1 {
					t.Errorf("alert of %s has %d detections, want 1", a.UserID, a.DetectionCount)
				}
				if a.UserID == "u1" && a.Severity != "low" {
					t.Errorf("u1's alert is %q, want low (a1's high was processed before the policy)", a.Severity)
				}
			}
		})
	}
}

// TestConditionErrorsDoNotStopIngest: a condition that exceeds its cost
// limit on every detection, and one that fails on some, leave every
// detection stored and every other policy working.
func TestConditionErrorsDoNotStopIngest(t *testing.T) {
	svc := open(t, service.Config{Clock: newClock(), TxRecords: 7})
	put(t, svc, custom("too-costly", strings.Repeat(`[0,1,2,3,4,5,6,7,8,9].all(x, `, 8)+`true`+strings.Repeat(`)`, 8)))
	put(t, svc, custom("last-octet", `detection.ipAddress.split(".")[3] == "7"`))

	var recs []map[string]any
	for i := range 30 {
		ip := "no dots"
		if i == 4 {
			ip = "203.0.113.7"
		}
		recs = append(recs, map[string]any{"id": fmt.Sprintf("c-%02d", i), "userId": "u1", "riskEventType": "leakedCredentials",
			"riskLevel": "high", "ipAddress": ip, "activityDateTime": "2025-06-14T01:00:00Z"})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sum, err := svc.IngestDetections(ctx, strings.NewReader(ndjson(t, recs...)), service.IngestOptions{Source: "test"})
	if err != nil {
		t.Fatalf("ingest: %v", err)
	}
	if sum.Accepted != 30 {
		t.Errorf("accepted %d, want 30", sum.Accepted)
	}
	if got := alertsOf(t, svc, "too-costly"); len(got) != 0 {
		t.Errorf("too-costly: %d alerts, want none", len(got))
	}
	if got, want := alertIDs(alertsOf(t, svc, "last-octet")), perDetection("last-octet", "c-04"); !slices.Equal(got, want) {
		t.Errorf("last-octet: alerts %v, want %v", got, want)
	}
	if got := alertsOf(t, svc, engine.PolicyLeakedCredentials); len(got) != 30 {
		t.Errorf("leaked_credentials: %d alerts, want 30", len(got))
	}
	// Stored: the same input again is all duplicates.
	if sum := ingest(t, svc, ndjson(t, recs...)); sum.Duplicates != 30 {
		t.Errorf("re-ingest: %+v, want 30 duplicates", sum)
	}
}

func TestCustomPolicyRemediates(t *testing.T) {
	svc := open(t, service.Config{Clock: newClock()})
	put(t, svc, engine.Policy{Type: "custom", Name: "remediating", Enabled: true, Severity: "medium", RemediateRiskyUsers: true,
		Condition: `detection.riskEventType == "anonymizedIPAddress"`})
	put(t, svc, custom("watching", `true`)) // alerts on all, remediates none
	sum := ingest(t, svc, ndjson(t,
		map[string]any{"id": "r1", "userId": "u1", "userPrincipalName": "u1@contoso.com", "riskEventType": "anonymizedIPAddress", "riskLevel": "high", "activityDateTime": "2025-06-14T01:00:00Z"},
		map[string]any{"id": "r2", "userId": "u2", "riskEventType": "anonymizedIPAddress", "riskLevel": "low", "activityDateTime": "2025-06-14T01:00:00Z"},
		map[string]any{"id": "r3", "userId": "u3", "riskEventType": "unfamiliarFeatures", "riskLevel": "high", "activityDateTime": "2025-06-14T01:00:00Z"},
	))
	if sum.UsersRemediated != 1 {
		t.Errorf("users remediated: %d, want 1", sum.UsersRemediated)
	}
	users, err := allUsers(context.Background(), svc)
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 1 || users[0].UserID != "u1" || users[0].RiskLevel != engine.UserRiskHigh || users[0].RiskState != engine.UserRiskConfirmedCompromised {
		t.Errorf("users at risk: %+v, want only u1, high and confirmedCompromised", users)
	}
	log, err := allRemediations(context.Background(), svc)
	if err != nil {
		t.Fatal(err)
	}
	want := perDetection("remediating", "r1")[0]
	if len(log) != 1 || log[0].Policy != "remediating" || log[0].AlertID != want || log[0].UserID != "u1" {
		t.Errorf("audit log: %+v, want one entry for u1 by remediating on alert %s", log, want)
	}
}

// TestDeletedCustomPolicyKeepsAlerts: deleting a policy leaves its alerts
// as they are, later detections do not touch them, and retention purges
// them.
func TestDeletedCustomPolicyKeepsAlerts(t *testing.T) {
	ctx := context.Background()
	clock := newClock()
	svc := open(t, service.Config{Clock: clock})
	put(t, svc, custom("anon", `detection.riskEventType == "anonymizedIPAddress"`))
	rec := map[string]any{"id": "d1", "userId": "u1", "riskEventType": "anonymizedIPAddress", "riskLevel": "high",
		"riskState": "atRisk", "activityDateTime": "2025-06-14T01:00:00Z"}
	ingest(t, svc, ndjson(t, rec))
	before := alertsOf(t, svc, "anon")
	if len(before) != 1 {
		t.Fatalf("%d alerts, want 1", len(before))
	}

	if err := svc.DeletePolicy(ctx, "anon"); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour)
	rec["riskState"] = "dismissed"
	rec["lastUpdatedDateTime"] = "2025-06-16T00:00:00Z"
	if sum := ingest(t, svc, ndjson(t, rec)); sum.Updated != 1 || sum.AlertsUpdated != 0 || sum.AlertsCreated != 0 {
		t.Errorf("ingest after delete: %+v, want 1 updated and no alert change", sum)
	}
	after := alertsOf(t, svc, "anon")
	if len(after) != 1 || !alertEqual(after[0], before[0]) || !after[0].UpdatedAt.Equal(before[0].UpdatedAt) {
		t.Errorf("alert after delete = %+v, want it unchanged: %+v", after, before)
	}

	clock.Advance(time.Duration(engine.DefaultRetentionDays) * 24 * time.Hour)
	n, err := svc.PurgeExpired(ctx)
	if err != nil || n != 1 {
		t.Errorf("PurgeExpired = %d, %v; want 1 alert purged", n, err)
	}
	if got := alertsOf(t, svc, "anon"); len(got) != 0 {
		t.Errorf("%d alerts after retention, want none", len(got))
	}
}

// TestDisabledCustomPolicyRecordsMembers: while disabled a policy makes no
// alert, but its windows keep their members, so once enabled an alert
// counts them all.
func TestDisabledCustomPolicyRecordsMembers(t *testing.T) {
	svc := open(t, service.Config{Clock: newClock()})
	p := engine.Policy{Type: "custom", Name: "anon", Enabled: false, Severity: "high", GroupBy: "user",
		Condition: `detection.riskEventType == "anonymizedIPAddress"`}
	put(t, svc, p)
	ingest(t, svc, ndjson(t, map[string]any{"id": "d1", "userId": "u1", "riskEventType": "anonymizedIPAddress", "riskLevel": "high", "activityDateTime": "2025-06-14T01:00:00Z"}))
	if got := alertsOf(t, svc, "anon"); len(got) != 0 {
		t.Fatalf("disabled policy made %d alerts", len(got))
	}
	p.Enabled = true
	put(t, svc, p)
	ingest(t, svc, ndjson(t, map[string]any{"id": "d2", "userId": "u1", "riskEventType": "anonymizedIPAddress", "riskLevel": "low", "activityDateTime": "2025-06-14T05:00:00Z"}))
	got := alertsOf(t, svc, "anon")
	if len(got) != 1 || got[0].DetectionCount != 2 || got[0].Severity != "high" {
		t.Errorf("alerts %+v, want one high alert of 2 detections", got)
	}
}

func TestCustomPolicyLifecycle(t *testing.T) {
	ctx := context.Background()
	svc := open(t, service.Config{Clock: newClock()})

	created, err := svc.CreatePolicy(ctx, custom("zeta", `detection.riskLevel == "high"`))
	if err != nil {
		t.Fatal(err)
	}
	if created.Severity != "low" || created.GroupBy != "detection" {
		t.Errorf("created %+v: want the defaults low and detection", created)
	}
	put(t, svc, custom("alpha", `true`)) // PutPolicy creates too

	steps := []struct {
		name   string
		do     func() error
		target error // errors.Is target; nil for success
		field  string
	}{
		{"create a taken name", func() error { _, err := svc.CreatePolicy(ctx, custom("zeta", `true`)); return err }, engine.ErrAlreadyExists, "name"},
		{"claim a built-in", func() error {
			_, err := svc.CreatePolicy(ctx, engine.Policy{Type: engine.PolicyRiskySignIn, Enabled: true})
			return err
		}, nil, ""},
		{"claim a built-in twice", func() error {
			_, err := svc.CreatePolicy(ctx, engine.Policy{Type: engine.PolicyRiskySignIn, Enabled: true})
			return err
		}, engine.ErrAlreadyExists, ""},
		{"create an unknown type", func() error {
			_, err := svc.CreatePolicy(ctx, engine.Policy{Type: "sigma", Name: "x", Enabled: true})
			return err
		}, engine.ErrInvalid, "type"},
		{"custom named like a built-in", func() error { _, err := svc.PutPolicy(ctx, custom(engine.PolicyRiskySignIn, `true`)); return err }, engine.ErrInvalid, "name"},
		{"bad condition", func() error { _, err := svc.PutPolicy(ctx, custom("beta", `detection.nope`)); return err }, engine.ErrInvalid, "condition"},
		{"delete unknown", func() error { return svc.DeletePolicy(ctx, "nope") }, engine.ErrNotFound, ""},
		{"replace", func() error { _, err := svc.PutPolicy(ctx, custom("zeta", `detection.riskLevel == "low"`)); return err }, nil, ""},
		{"delete", func() error { return svc.DeletePolicy(ctx, "alpha") }, nil, ""},
		{"delete again", func() error { return svc.DeletePolicy(ctx, "alpha") }, engine.ErrNotFound, ""},
	}
	for _, s := range steps {
		err := s.do()
		switch {
		case s.target == nil && err != nil:
			t.Errorf("%s: %v", s.name, err)
		case s.target != nil && !errors.Is(err, s.target):
			t.Errorf("%s: error %v, want %v", s.name, err, s.target)
		case s.field != "":
			var fe *engine.FieldError
			if !errors.As(err, &fe) || fe.Field != s.field {
				t.Errorf("%s: error %v is not a FieldError on %s", s.name, err, s.field)
			}
		}
	}

	ps, err := svc.Policies(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, p := range ps {
		ids = append(ids, p.ID())
	}
	if want := []string{"leaked_credentials", "risky_sign_in", "zeta"}; !slices.Equal(ids, want) {
		t.Errorf("policies %v, want %v", ids, want)
	}
	zeta, err := svc.Policy(ctx, "zeta")
	if err != nil || zeta.Condition != `detection.riskLevel == "low"` {
		t.Errorf("Policy(zeta) = %+v, %v; want the replaced condition", zeta, err)
	}
	risky, err := svc.Policy(ctx, engine.PolicyRiskySignIn)
	if err != nil || risky.Type != engine.PolicyRiskySignIn || risky.Name != "" {
		t.Errorf("the built-in was touched: %+v, %v", risky, err)
	}
}
