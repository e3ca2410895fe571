// Package clienttest is the conformance suite of client.Client: the same
// tests run against the embedded engine and against the remote client
// talking to `engine serve`, on SQLite and on PostgreSQL, so that the
// provider cannot tell the modes apart: same results, same errors (by
// errors.Is, by attribute, by text).
package clienttest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/idp/terraform-provider-idp/internal/client"
	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/policy"
	"github.com/idp/terraform-provider-idp/internal/engine/service"
)

// Opener returns a client on a new, empty engine for one test.
type Opener func(t *testing.T) client.Client

// Run runs the whole suite.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, c client.Client)
	}{
		{"IntegrationDefaults", testIntegrationDefaults},
		{"IntegrationRoundTrip", testIntegrationRoundTrip},
		{"IntegrationInvalid", testIntegrationInvalid},
		{"BuiltinPolicies", testBuiltinPolicies},
		{"PolicyNotFound", testPolicyNotFound},
		{"CustomPolicies", testCustomPolicies},
		{"PolicyInvalid", testPolicyInvalid},
		{"CreatePolicy", testCreatePolicy},
		{"IngestNDJSON", testIngestNDJSON},
		{"IngestGraphPages", testIngestGraphPages},
		{"AlertQueries", testAlertQueries},
		{"Disabled", testDisabled},
		{"Remediation", testRemediation},
		{"SyncFileSource", testSyncFileSource},
		{"ReadsNeverSync", testReadsNeverSync},
		{"ClaimIntegration", testClaimIntegration},
		{"ClaimBuiltinPolicy", testClaimBuiltinPolicy},
		{"Status", testStatus},
		{"ListingsPaged", testListingsPaged},
		{"Checks", testChecks},
		{"PolicyTests", testPolicyTests},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := open(t)
			t.Cleanup(func() { _ = c.Close() })
			tc.fn(t, c)
		})
	}
}

var ctx = context.Background()

// must(c.Method(ctx))(t) is the value, or the test's end.
func must[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func ok(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantError checks an error by sentinel, attribute and exact text.
func wantError(t *testing.T, err error, sentinel error, field, text string) {
	t.Helper()
	if !errors.Is(err, sentinel) {
		t.Fatalf("error %v (%T) does not wrap %v", err, err, sentinel)
	}
	if field != "" {
		var fe *engine.FieldError
		if !errors.As(err, &fe) || fe.Field != field {
			t.Fatalf("error %v is not a FieldError on %q", err, field)
		}
	}
	if text != "" && err.Error() != text {
		t.Fatalf("error text %q, want %q", err.Error(), text)
	}
}

func testIntegrationDefaults(t *testing.T, c client.Client) {
	in := must(c.Integration(ctx))(t)
	if !jsonEqual(in, engine.DefaultIntegration()) {
		t.Fatalf("new engine: %+v, want the defaults", in)
	}
}

func testIntegrationRoundTrip(t *testing.T, c client.Client) {
	want := engine.Integration{Enabled: false, RetentionDays: 30, Actions: engine.Actions{RequireMFA: true},
		Source: &engine.Source{File: &engine.FileSource{Detections: []string{"/tmp/none.ndjson"}}}}
	got := must(c.SetIntegration(ctx, want))(t)
	if !jsonEqual(got, want) {
		t.Fatalf("SetIntegration returned %+v, want %+v", got, want)
	}
	if got := must(c.Integration(ctx))(t); !jsonEqual(got, want) {
		t.Fatalf("Integration = %+v, want %+v", got, want)
	}
	ok(t, c.ResetIntegration(ctx))
	if got := must(c.Integration(ctx))(t); !jsonEqual(got, engine.DefaultIntegration()) {
		t.Fatalf("after reset: %+v, want the defaults", got)
	}
}

func testIntegrationInvalid(t *testing.T, c client.Client) {
	bad := engine.DefaultIntegration()
	bad.RetentionDays = 0
	_, err := c.SetIntegration(ctx, bad)
	wantError(t, err, engine.ErrInvalid, "retention_days", service.ValidateIntegration(bad).Error())
	both := engine.DefaultIntegration()
	both.Source = &engine.Source{File: &engine.FileSource{}, Graph: &engine.GraphSource{TenantID: "t"}}
	_, err = c.SetIntegration(ctx, both)
	wantError(t, err, engine.ErrInvalid, "source", service.ValidateIntegration(both).Error())
	if got := must(c.Integration(ctx))(t); !jsonEqual(got, engine.DefaultIntegration()) {
		t.Fatalf("a refused setting was stored: %+v", got)
	}
}

func testBuiltinPolicies(t *testing.T, c client.Client) {
	ps := must(c.Policies(ctx))(t)
	if !jsonEqual(ps, policy.Builtins()) {
		t.Fatalf("policies of a new engine = %+v, want the built-ins %+v", ps, policy.Builtins())
	}
	tuned := engine.Policy{Type: engine.PolicyRiskySignIn, Enabled: true, Severity: engine.SeverityMedium,
		AggregationWindow: engine.Duration(6 * time.Hour), RemediateRiskyUsers: true}
	got := must(c.PutPolicy(ctx, tuned))(t)
	if got.Severity != engine.SeverityMedium || got.AggregationWindow != engine.Duration(6*time.Hour) || !got.RemediateRiskyUsers {
		t.Fatalf("PutPolicy returned %+v", got)
	}
	if p := must(c.Policy(ctx, engine.PolicyRiskySignIn))(t); !jsonEqual(p, got) {
		t.Fatalf("Policy = %+v, want %+v", p, got)
	}
	ok(t, c.DeletePolicy(ctx, engine.PolicyRiskySignIn))
	if p := must(c.Policy(ctx, engine.PolicyRiskySignIn))(t); p.Severity != engine.SeverityHigh || p.RemediateRiskyUsers {
		t.Fatalf("after delete the built-in is %+v, want its defaults", p)
	}
}

func testPolicyNotFound(t *testing.T, c client.Client) {
	for _, id := range []string{"no-such-policy", ""} {
		_, err := c.Policy(ctx, id)
		wantError(t, err, engine.ErrNotFound, "", fmt.Sprintf("policy %q: not found", id))
		wantError(t, c.DeletePolicy(ctx, id), engine.ErrNotFound, "", fmt.Sprintf("policy %q: not found", id))
	}
}

func custom(name, condition string) engine.Policy {
	return engine.Policy{Type: engine.PolicyCustom, Name: name, Enabled: true, Condition: condition}
}

func testCustomPolicies(t *testing.T, c client.Client) {
	p := must(c.PutPolicy(ctx, custom("anon-ip", `detection.riskEventType == "anonymizedIPAddress"`)))(t)
	if p.Severity != engine.SeverityLow || p.GroupBy != engine.GroupByDetection {
		t.Fatalf("defaults not filled: %+v", p)
	}
	p.Severity = engine.SeverityHigh
	must(c.PutPolicy(ctx, p))(t)
	if got := must(c.Policy(ctx, "anon-ip"))(t); !jsonEqual(got, p) {
		t.Fatalf("Policy = %+v, want %+v", got, p)
	}
	ps := must(c.Policies(ctx))(t)
	if len(ps) != 3 || ps[2].ID() != "anon-ip" {
		t.Fatalf("policies = %+v, want the built-ins then anon-ip", ps)
	}
	ok(t, c.DeletePolicy(ctx, "anon-ip"))
	_, err := c.Policy(ctx, "anon-ip")
	wantError(t, err, engine.ErrNotFound, "", "")
}

func testPolicyInvalid(t *testing.T, c client.Client) {
	cases := []struct {
		name  string
		p     engine.Policy
		field string
	}{
		{"bad condition", custom("broken", `detection.riskEventType ==`), "condition"},
		{"bad name", custom("Not A Name", `true`), "name"},
		{"no name", custom("", `true`), "name"},
		{"bad severity", engine.Policy{Type: engine.PolicyLeakedCredentials, Enabled: true, Severity: "severe"}, "severity"},
		{"unknown type", engine.Policy{Type: "bogus", Enabled: true}, "type"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, want := policy.Compile(tc.p)
			if want == nil {
				t.Fatalf("policy.Compile accepts %+v", tc.p)
			}
			_, err := c.PutPolicy(ctx, tc.p)
			wantError(t, err, engine.ErrInvalid, tc.field, want.Error())
		})
	}
}

func testCreatePolicy(t *testing.T, c client.Client) {
	must(c.CreatePolicy(ctx, custom("mine", `true`)))(t)
	_, err := c.CreatePolicy(ctx, custom("mine", `false`))
	wantError(t, err, engine.ErrAlreadyExists, "name", "")
	if p := must(c.Policy(ctx, "mine"))(t); p.Condition != "true" {
		t.Fatalf("the refused create replaced the policy: %+v", p)
	}
}

// Detections of the suite: a leaked credential, three risky sign-ins of one
// user in one day (one high), a hidden level, and two bad records.
func detections(t *testing.T) string {
	t.Helper()
	recs := []map[string]any{
		{"id": "leak-1", "userId": "u-ann", "userPrincipalName": "Ann@Contoso.com", "userDisplayName": "Ann", "riskEventType": "leakedCredentials",
			"riskLevel": "medium", "riskState": "atRisk", "activity": "user", "activityDateTime": "2025-06-10T08:00:00.123456789Z"},
		{"id": "sign-1", "userId": "u-bob", "userPrincipalName": "bob@contoso.com", "riskEventType": "unfamiliarFeatures",
			"riskLevel": "low", "riskState": "atRisk", "activity": "signin", "activityDateTime": "2025-06-10T09:00:00Z"},
		{"id": "sign-2", "userId": "u-bob", "userPrincipalName": "bob@contoso.com", "riskEventType": "anonymizedIPAddress",
			"riskLevel": "high", "riskState": "atRisk", "activity": "signin", "activityDateTime": "2025-06-10T10:30:00.5Z"},
		{"id": "sign-3", "userId": "u-bob", "userPrincipalName": "bob@contoso.com", "userDisplayName": "Bob", "riskEventType": "unlikelyTravel",
			"riskLevel": "medium", "riskState": "dismissed", "activity": "signin", "activityDateTime": "2025-06-10T11:00:00Z"},
		{"id": "hidden-1", "userId": "u-cy", "riskEventType": "leakedCredentials", "riskLevel": "hidden", "activityDateTime": "2025-06-11T00:00:00Z"},
	}
	var b strings.Builder
	for _, r := range recs {
		line, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	b.WriteString("{not json\n")
	b.WriteString(`{"id": "no-user", "riskEventType": "leakedCredentials", "activityDateTime": "2025-06-10T08:00:00Z"}` + "\n")
	return b.String()
}

func testIngestNDJSON(t *testing.T, c client.Client) {
	input := detections(t)
	sum := must(c.IngestDetections(ctx, strings.NewReader(input), "batch-1"))(t)
	if sum.Read != 7 || sum.Accepted != 5 || sum.Quarantined != 2 || sum.AlertsCreated != 2 {
		t.Fatalf("summary %+v: want 7 read, 5 accepted, 2 quarantined, 2 alerts", sum)
	}
	again := must(c.IngestDetections(ctx, strings.NewReader(input), "batch-1"))(t)
	if again.Duplicates != 5 || again.Accepted != 0 || again.AlertsCreated != 0 || again.AlertsUpdated != 0 {
		t.Fatalf("re-ingest %+v: want a no-op (5 duplicates)", again)
	}
	qs := must(c.Quarantine(ctx, engine.QuarantineQuery{}))(t).Entries
	if len(qs) != 2 || qs[0].Source != "batch-1" || qs[0].Line != 6 || qs[0].Raw != "{not json" || qs[1].Line != 7 {
		t.Fatalf("quarantine = %+v, want the two bad records, once, with source, line and text", qs)
	}
	page := must(c.Alerts(ctx, engine.AlertQuery{}))(t)
	if page.Total != 2 || len(page.Alerts) != 2 {
		t.Fatalf("alerts = %+v", page)
	}
	window := page.Alerts[0]
	if window.Policy != engine.PolicyRiskySignIn || window.Severity != engine.SeverityHigh || window.Status != engine.AlertOpen ||
		window.DetectionCount != 3 || window.UserDisplayName != "Bob" ||
		!slices.Equal(window.RiskEventTypes, []string{"anonymizedIPAddress", "unfamiliarFeatures", "unlikelyTravel"}) ||
		!window.FirstSeen.Equal(time.Date(2025, 6, 10, 9, 0, 0, 0, time.UTC)) || !window.LastSeen.Equal(time.Date(2025, 6, 10, 11, 0, 0, 0, time.UTC)) {
		t.Fatalf("window alert = %+v", window)
	}
	leak := page.Alerts[1]
	if leak.Policy != engine.PolicyLeakedCredentials || leak.Severity != engine.SeverityMedium || leak.UserPrincipalName != "Ann@Contoso.com" ||
		leak.FirstSeen.Nanosecond() != 123456789 || leak.FirstSeen.Location() != time.UTC || leak.CreatedAt.IsZero() {
		t.Fatalf("leaked credentials alert = %+v (sub-second precision and UTC must survive)", leak)
	}
	if leak.ID != engine.DetectionGroup(engine.PolicyLeakedCredentials, engine.KeyOf("leak-1")).AlertID() {
		t.Fatalf("alert id %s is not the deterministic one", leak.ID)
	}
}

func testIngestGraphPages(t *testing.T, c client.Client) {
	page := `{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#identityProtection/riskDetections",
	  "value": [
	    {"id": "g-1", "userId": "u-1", "riskEventType": "leakedCredentials", "riskLevel": "high", "activityDateTime": "2025-06-10T08:00:00Z"},
	    {"id": "g-2", "userId": "u-2", "riskType": "leakedCredentials", "riskLevel": "low", "activityDateTime": "2025-06-10T09:00:00Z"},
	    {"id": "g-3", "riskEventType": "leakedCredentials", "activityDateTime": "2025-06-10T09:00:00Z"}
	  ],
	  "@odata.nextLink": "https://graph.microsoft.com/v1.0/identityProtection/riskDetections?$skiptoken=x"}`
	sum := must(c.IngestDetections(ctx, strings.NewReader(page), "graph-page"))(t)
	if sum.Read != 3 || sum.Accepted != 2 || sum.Quarantined != 1 || sum.AlertsCreated != 2 {
		t.Fatalf("summary %+v: want 3 read, 2 accepted, 1 quarantined, 2 alerts", sum)
	}
	devices := `{"value": [{"id": "dev-1", "userId": "u-1", "managementState": "managed", "complianceState": "compliant", "lastSyncDateTime": "2025-06-01T00:00:00Z"}]}`
	dsum := must(c.IngestDevices(ctx, strings.NewReader(devices), "devices"))(t)
	if dsum.Read != 1 || dsum.Accepted != 1 {
		t.Fatalf("device summary %+v", dsum)
	}
}

func testAlertQueries(t *testing.T, c client.Client) {
	must(c.IngestDetections(ctx, strings.NewReader(detections(t)), "q"))(t)
	cases := []struct {
		name  string
		q     engine.AlertQuery
		total int
		n     int
	}{
		{"all", engine.AlertQuery{}, 2, 2},
		{"policy", engine.AlertQuery{Policy: engine.PolicyLeakedCredentials}, 1, 1},
		{"min severity high", engine.AlertQuery{MinSeverity: engine.SeverityHigh}, 1, 1},
		{"status resolved", engine.AlertQuery{Status: engine.AlertResolved}, 0, 0},
		{"user, any case", engine.AlertQuery{UserPrincipalName: "ann@CONTOSO.com"}, 1, 1},
		{"since", engine.AlertQuery{Since: time.Date(2025, 6, 10, 10, 0, 0, 0, time.UTC)}, 1, 1},
		{"until, sub-second", engine.AlertQuery{Until: time.Date(2025, 6, 10, 8, 0, 0, 123456790, time.UTC)}, 1, 1},
		{"until, just before", engine.AlertQuery{Until: time.Date(2025, 6, 10, 8, 0, 0, 123456789, time.UTC)}, 0, 0},
		{"limit keeps total", engine.AlertQuery{Limit: 1}, 2, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			page := must(c.Alerts(ctx, tc.q))(t)
			if page.Total != tc.total || len(page.Alerts) != tc.n || page.Alerts == nil {
				t.Fatalf("got %d of %d alerts, want %d of %d", len(page.Alerts), page.Total, tc.n, tc.total)
			}
		})
	}
}

func testDisabled(t *testing.T, c client.Client) {
	must(c.IngestDetections(ctx, strings.NewReader(detections(t)), "before"))(t)
	off := engine.DefaultIntegration()
	off.Enabled = false
	must(c.SetIntegration(ctx, off))(t)
	_, err := c.IngestDetections(ctx, strings.NewReader(detections(t)), "while-off")
	wantError(t, err, engine.ErrDisabled, "", engine.ErrDisabled.Error())
	_, err = c.Sync(ctx)
	wantError(t, err, engine.ErrDisabled, "", "")
	if page := must(c.Alerts(ctx, engine.AlertQuery{}))(t); page.Total != 2 {
		t.Fatalf("while disabled, alerts = %d, want the 2 kept", page.Total)
	}
	if qs := must(c.Quarantine(ctx, engine.QuarantineQuery{}))(t).Entries; len(qs) != 2 {
		t.Fatalf("a disabled integration consumed a batch: %d quarantined", len(qs))
	}
}

func testRemediation(t *testing.T, c client.Client) {
	must(c.PutPolicy(ctx, engine.Policy{Type: engine.PolicyLeakedCredentials, Enabled: true, RemediateRiskyUsers: true}))(t)
	devices := `{"id": "d-ann", "userId": "u-ann", "managementState": "managed", "complianceState": "compliant", "lastSyncDateTime": "2025-06-01T00:00:00Z"}` + "\n"
	must(c.IngestDevices(ctx, strings.NewReader(devices), "devices"))(t)
	sum := must(c.IngestDetections(ctx, strings.NewReader(detections(t)), "r"))(t)
	if sum.UsersRemediated != 1 {
		t.Fatalf("summary %+v: want one user remediated", sum)
	}
	users := must(c.Users(ctx, engine.Page{}))(t).Users
	if len(users) != 1 || users[0].UserID != "u-ann" || users[0].RiskLevel != engine.UserRiskHigh || !users[0].ManagedDevice ||
		!slices.Equal(users[0].Actions, []string{engine.ActionResetPassword, engine.ActionRequireMFA}) {
		t.Fatalf("users = %+v: want ann at high risk, with a managed device, so no require_managed_device", users)
	}
	log := must(c.Remediations(ctx, engine.Page{}))(t).Remediations
	if len(log) != 1 || log[0].UserID != "u-ann" || log[0].Policy != engine.PolicyLeakedCredentials || log[0].Outcome != engine.OutcomeApplied {
		t.Fatalf("remediations = %+v", log)
	}
}

func testSyncFileSource(t *testing.T, c client.Client) {
	dir := t.TempDir()
	path := filepath.Join(dir, "detections.ndjson")
	input := detections(t)
	lines := strings.SplitAfter(input, "\n")
	ok(t, os.WriteFile(path, []byte(strings.Join(lines[:3], "")), 0o600))
	in := engine.DefaultIntegration()
	in.Source = &engine.Source{File: &engine.FileSource{Detections: []string{path}}}
	must(c.SetIntegration(ctx, in))(t)
	sum := must(c.Sync(ctx))(t)
	if sum.Ingest.Read != 3 || sum.Ingest.Accepted != 3 {
		t.Fatalf("first sync %+v, want the 3 records there", sum)
	}
	if sum := must(c.Sync(ctx))(t); sum.Ingest.Read != 0 {
		t.Fatalf("second sync %+v, want nothing new", sum)
	}
	ok(t, os.WriteFile(path, []byte(input), 0o600))
	must(c.Sync(ctx))(t)
	page := must(c.Alerts(ctx, engine.AlertQuery{}))(t)
	if page.Total != 2 {
		t.Fatalf("alerts after the file grew: %d, want 2 (read on from the cursor)", page.Total)
	}
	if qs := must(c.Quarantine(ctx, engine.QuarantineQuery{}))(t).Entries; len(qs) != 2 || qs[0].Source != path {
		t.Fatalf("quarantine = %+v, want the two bad records, named by the file", qs)
	}
}

func jsonEqual(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}
