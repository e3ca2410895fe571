package clienttest

import (
	"fmt"
	"testing"

	"github.com/idp/terraform-provider-idp/internal/api"
	"github.com/idp/terraform-provider-idp/internal/client"
	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/policy"
	"github.com/idp/terraform-provider-idp/internal/engine/service"
)

// testChecks: the checks a plan asks refuse what a write refuses, with the
// same error, answer what a write would store, and store nothing.
func testChecks(t *testing.T, c client.Client) {
	bad := engine.DefaultIntegration()
	bad.RetentionDays = 0
	wantError(t, c.ValidateIntegration(ctx, bad), engine.ErrInvalid, "retention_days", service.ValidateIntegration(bad).Error())
	ok(t, c.ValidateIntegration(ctx, engine.DefaultIntegration()))

	broken := custom("broken", `detection.riskEventType ==`)
	_, want := policy.Compile(broken)
	_, err := c.ValidatePolicy(ctx, broken)
	wantError(t, err, engine.ErrInvalid, "condition", want.Error())
	checked := must(c.ValidatePolicy(ctx, custom("checked", `true`)))(t)
	if stored := must(policy.Compile(custom("checked", `true`)))(t).Policy; !jsonEqual(checked, stored) {
		t.Fatalf("ValidatePolicy = %+v, want what a write stores, %+v", checked, stored)
	}
	_, err = c.Policy(ctx, "checked")
	wantError(t, err, engine.ErrNotFound, "", "")
	if got := must(c.Integration(ctx))(t); !jsonEqual(got, engine.DefaultIntegration()) {
		t.Fatalf("a check stored settings: %+v", got)
	}

	for _, tc := range []struct {
		typ, groupBy string
		window       engine.Duration
	}{
		{engine.PolicyRiskySignIn, "", engine.Duration(engine.DefaultAggregationWindow)},
		{engine.PolicyLeakedCredentials, "", 0},
		{engine.PolicyCustom, engine.GroupByUser, engine.Duration(engine.DefaultAggregationWindow)},
		{engine.PolicyCustom, engine.GroupByDetection, 0},
	} {
		def := must(c.PolicyDefaults(ctx, tc.typ, tc.groupBy))(t)
		if def.Type != tc.typ || !def.Enabled || def.AggregationWindow != tc.window {
			t.Errorf("PolicyDefaults(%s, %q) = %+v, want window %s", tc.typ, tc.groupBy, def, tc.window)
		}
	}
	_, err = c.PolicyDefaults(ctx, "nonesuch", "")
	wantError(t, err, engine.ErrNotFound, "", "")

	v := must(c.Version(ctx))(t)
	if v.APIVersion != api.APIVersion {
		t.Errorf("Version = %+v, want API version %d", v, api.APIVersion)
	}
}

// testPolicyTests: inline tests give the registry's verdicts, numbered as
// the caller's list, however many there are (the remote client sends
// them a part at a time).
func testPolicyTests(t *testing.T, c client.Client) {
	p := custom("tested", `detection.riskLevel == "high"`)
	var tests []engine.PolicyTest
	for i := range api.MaxPolicyTests + 5 {
		level := []string{"high", "low"}[i%2]
		tests = append(tests, engine.PolicyTest{ExpectAlert: i%3 != 0, Detection: fmt.Sprintf(
			`{"id":"d%d","userId":"u","riskEventType":"x","riskLevel":%q,"activityDateTime":"2025-06-01T00:00:00Z"}`, i, level)})
	}
	want := must(policy.RunTests(p, tests))(t)
	got := must(c.TestPolicy(ctx, p, tests))(t)
	if !jsonEqual(got, want) {
		t.Fatalf("TestPolicy = %+v,\nwant %+v", got, want)
	}
	_, err := c.TestPolicy(ctx, custom("tested", `detection.riskLevel ==`), tests[:1])
	wantError(t, err, engine.ErrInvalid, "condition", "")
}
