package clienttest

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/idp/terraform-provider-idp/internal/client"
	"github.com/idp/terraform-provider-idp/internal/engine"
)

// testReadsNeverSync: with a file source full of alerting and remediating
// detections configured, every read answers from what was processed, and
// changes nothing; only Sync processes the source.
func testReadsNeverSync(t *testing.T, c client.Client) {
	path := filepath.Join(t.TempDir(), "detections.ndjson")
	ok(t, os.WriteFile(path, []byte(detections(t)), 0o600))
	in := engine.DefaultIntegration()
	in.Source = &engine.Source{File: &engine.FileSource{Detections: []string{path}}}
	must(c.SetIntegration(ctx, in))(t)
	must(c.PutPolicy(ctx, engine.Policy{Type: engine.PolicyLeakedCredentials, Enabled: true, RemediateRiskyUsers: true}))(t)

	for range 2 {
		readEverything(t, c)
	}
	if page := must(c.Alerts(ctx, engine.AlertQuery{}))(t); page.Total != 0 || len(page.Alerts) != 0 {
		t.Fatalf("reads raised %d alerts", page.Total)
	}
	if users := must(c.Users(ctx, engine.Page{}))(t).Users; len(users) != 0 {
		t.Fatalf("reads remediated %+v", users)
	}
	if log := must(c.Remediations(ctx, engine.Page{}))(t).Remediations; len(log) != 0 {
		t.Fatalf("reads wrote the audit log %+v", log)
	}
	if qs := must(c.Quarantine(ctx, engine.QuarantineQuery{}))(t).Entries; len(qs) != 0 {
		t.Fatalf("reads quarantined %+v", qs)
	}
	if st := must(c.Status(ctx))(t); st.LastSync != nil {
		t.Fatalf("reads recorded a sync %+v", st.LastSync)
	}

	sum := must(c.Sync(ctx))(t)
	if sum.Ingest.Read == 0 || sum.Ingest.UsersRemediated != 1 {
		t.Fatalf("sync %+v: want the file read and ann remediated", sum)
	}
	if page := must(c.Alerts(ctx, engine.AlertQuery{}))(t); page.Total != 2 {
		t.Fatalf("after the sync, alerts = %d, want 2", page.Total)
	}
}

// readEverything calls every read of the interface.
func readEverything(t *testing.T, c client.Client) {
	t.Helper()
	must(c.Integration(ctx))(t)
	must(c.Policies(ctx))(t)
	must(c.Policy(ctx, engine.PolicyRiskySignIn))(t)
	must(c.Alerts(ctx, engine.AlertQuery{Limit: 1}))(t)
	must(c.Status(ctx))(t)
	must(c.Users(ctx, engine.Page{}))(t)
	must(c.Remediations(ctx, engine.Page{}))(t)
	must(c.Quarantine(ctx, engine.QuarantineQuery{}))(t)
}

func testClaimIntegration(t *testing.T, c client.Client) {
	first := engine.DefaultIntegration()
	first.RetentionDays = 30
	must(c.CreateIntegration(ctx, first))(t)
	second := engine.DefaultIntegration()
	second.RetentionDays = 90
	_, err := c.CreateIntegration(ctx, second)
	wantError(t, err, engine.ErrAlreadyExists, "", "the integration is already managed by a Terraform resource: already exists")
	if in := must(c.Integration(ctx))(t); in.RetentionDays != 30 {
		t.Fatalf("the refused create changed the integration: %+v", in)
	}
	// An update (as after an import) holds the claim; a reset releases it.
	must(c.SetIntegration(ctx, second))(t)
	wantClaims(t, c, engine.ClaimIntegration)
	ok(t, c.ResetIntegration(ctx))
	wantClaims(t, c)
	must(c.CreateIntegration(ctx, second))(t)
	wantClaims(t, c, engine.ClaimIntegration)
}

func testClaimBuiltinPolicy(t *testing.T, c client.Client) {
	tuned := engine.Policy{Type: engine.PolicyLeakedCredentials, Enabled: true, Severity: engine.SeverityHigh}
	must(c.CreatePolicy(ctx, tuned))(t)
	_, err := c.CreatePolicy(ctx, engine.Policy{Type: engine.PolicyLeakedCredentials, Enabled: true, Severity: engine.SeverityMedium})
	wantError(t, err, engine.ErrAlreadyExists, "", "the built-in policy leaked_credentials is already managed by a Terraform resource: already exists")
	if p := must(c.Policy(ctx, engine.PolicyLeakedCredentials))(t); p.Severity != engine.SeverityHigh {
		t.Fatalf("the refused create changed the policy: %+v", p)
	}
	// The other built-in is claimed apart.
	must(c.CreatePolicy(ctx, engine.Policy{Type: engine.PolicyRiskySignIn, Enabled: true}))(t)
	wantClaims(t, c, engine.ClaimPolicy(engine.PolicyLeakedCredentials), engine.ClaimPolicy(engine.PolicyRiskySignIn))
	ok(t, c.DeletePolicy(ctx, engine.PolicyLeakedCredentials))
	wantClaims(t, c, engine.ClaimPolicy(engine.PolicyRiskySignIn))
	must(c.CreatePolicy(ctx, tuned))(t)
}

func wantClaims(t *testing.T, c client.Client, want ...string) {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	if got := must(c.Status(ctx))(t).Claimed; !reflect.DeepEqual(got, want) {
		t.Fatalf("claims = %v, want %v", got, want)
	}
}

func testStatus(t *testing.T, c client.Client) {
	st := must(c.Status(ctx))(t)
	if st.Configured || st.LastSync != nil || len(st.Claimed) != 0 {
		t.Fatalf("a new engine's status = %+v", st)
	}
	path := filepath.Join(t.TempDir(), "detections.ndjson")
	ok(t, os.WriteFile(path, []byte(detections(t)), 0o600))
	in := engine.DefaultIntegration()
	in.Source = &engine.Source{File: &engine.FileSource{Detections: []string{path}}}
	must(c.SetIntegration(ctx, in))(t)
	sum := must(c.Sync(ctx))(t)
	st = must(c.Status(ctx))(t)
	if !st.Configured || st.LastSync == nil || !st.LastSync.OK() || st.LastSync.Summary.Ingest.Read != sum.Ingest.Read ||
		st.LastSync.FinishedAt.Before(st.LastSync.StartedAt) {
		t.Fatalf("status after a sync = %+v (%+v), want it recorded", st, st.LastSync)
	}
	// A failing sync is recorded as failed.
	ok(t, os.Remove(path))
	if _, err := c.Sync(ctx); err == nil {
		t.Fatal("a sync of a missing file succeeded")
	}
	if st = must(c.Status(ctx))(t); st.LastSync == nil || st.LastSync.OK() {
		t.Fatalf("status after a failed sync = %+v, want the failure", st.LastSync)
	}
}
