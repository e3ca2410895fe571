package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/idp/terraform-provider-idp/internal/client"
	"github.com/idp/terraform-provider-idp/internal/engine"
)

// policiesGone is the strict CheckDestroy of custom policies: the engine
// answers ErrNotFound for each name, not merely some error.
func (e *testEnv) policiesGone(names ...string) resource.TestCheckFunc {
	return e.checkEngine(func(ctx context.Context, c client.Client) error {
		for _, name := range names {
			p, err := c.Policy(ctx, name)
			if !errors.Is(err, engine.ErrNotFound) {
				return fmt.Errorf("custom policy %s: got %+v, %v; want engine.ErrNotFound", name, p, err)
			}
		}
		return nil
	})
}

// detectionJSON is the text of a Graph riskDetection for inline tests:
// the fields ingest requires, a location, and what the caller sets.
func detectionJSON(riskEventType, riskLevel, country string) string {
	return fmt.Sprintf(`{"id":"t-%s-%s","userId":"u1","activity":"signin","riskEventType":%q,"riskLevel":%q,`+
		`"riskState":"atRisk","activityDateTime":"2025-06-01T10:00:00Z","location":{"countryOrRegion":%q}}`,
		riskEventType, riskLevel, riskEventType, riskLevel, country)
}

func TestAccPolicy_custom(t *testing.T) {
	e := newTestEnv(t)
	const (
		name    = "anonymous-outside-us"
		renamed = "anonymous-abroad"
		cond    = `detection.riskEventType == "anonymizedIPAddress" && detection.location.countryOrRegion != "US"`
		// A heredoc, so the text has a trailing newline: kept as written.
		cond2   = "detection.riskEventType in [\"anonymizedIPAddress\", \"maliciousIPAddress\"]\n"
		outside = `detection.riskLevel == "high"`
	)
	created := engine.Policy{Type: engine.PolicyCustom, Name: name, Enabled: true, Severity: engine.SeverityMedium,
		Condition: cond, GroupBy: engine.GroupByDetection}
	updated := created
	updated.Condition, updated.GroupBy, updated.AggregationWindow = cond2, engine.GroupByUser, engine.Duration(12*time.Hour)
	updated.Severity, updated.RemediateRiskyUsers = engine.SeverityLow, true
	renamedPolicy := updated
	renamedPolicy.Name = renamed

	first := e.config(fmt.Sprintf(`
resource "idp_policy" "test" {
  type      = "custom"
  name      = %q
  condition = %q
  severity  = "medium"

  tests = [
    { detection = %q, expect_alert = true },
    { detection = %q, expect_alert = false },
    { detection = %q, expect_alert = false },
  ]
}
`, name, cond, detectionJSON("anonymizedIPAddress", "high", "FR"), detectionJSON("anonymizedIPAddress", "high", "US"),
		detectionJSON("anonymizedIPAddress", "low", "FR")))
	second := func(name string) string {
		return e.config(fmt.Sprintf(`
resource "idp_policy" "test" {
  type                  = "custom"
  name                  = %q
  condition             = <<-EOT
    %sEOT
  group_by              = "user"
  aggregation_window    = "12h"
  remediate_risky_users = true
}
`, name, cond2))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.policiesGone(name, renamed),
		Steps: []resource.TestStep{
			{
				Config: first,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(policyAddr, plancheck.ResourceActionCreate),
						// The custom type's defaults, planned.
						plancheck.ExpectKnownValue(policyAddr, tfjsonpath.New("id"), knownvalue.StringExact(name)),
						plancheck.ExpectKnownValue(policyAddr, tfjsonpath.New("group_by"), knownvalue.StringExact("detection")),
						plancheck.ExpectKnownValue(policyAddr, tfjsonpath.New("enabled"), knownvalue.Bool(true)),
						plancheck.ExpectKnownValue(policyAddr, tfjsonpath.New("aggregation_window"), knownvalue.Null()),
					},
					// Passing tests leave nothing to do.
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(policyAddr, tfjsonpath.New("tests"), knownvalue.ListSizeExact(3)),
					statecheck.ExpectKnownValue(policyAddr, tfjsonpath.New("tests").AtSliceIndex(1).AtMapKey("expect_alert"),
						knownvalue.Bool(false)),
				},
				Check: e.policyIs(created),
			},
			{
				// tests are configuration only: the engine has none to give
				// back, so they are the one attribute an import leaves null.
				ResourceName:            policyAddr,
				ImportState:             true,
				ImportStateId:           name,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"tests"},
			},
			{
				Config: second(name),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						// The condition and the grouping change in place.
						plancheck.ExpectResourceAction(policyAddr, plancheck.ResourceActionUpdate),
						expectChange{address: policyAddr, attr: "condition", before: cond, after: cond2},
						// Left out now: back to the custom type's default.
						expectChange{address: policyAddr, attr: "severity", before: "medium", after: "low"},
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(policyAddr, tfjsonpath.New("tests"), knownvalue.Null()),
				},
				Check: e.policyIs(updated),
			},
			{
				PreConfig: e.outside(func(ctx context.Context, c client.Client) error {
					p := updated
					p.Condition, p.GroupBy, p.AggregationWindow, p.Enabled = outside, engine.GroupByDetection, 0, false
					_, err := c.PutPolicy(ctx, p)
					return err
				}),
				Config: second(name),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(policyAddr, plancheck.ResourceActionUpdate),
						expectChange{address: policyAddr, attr: "condition", before: outside, after: cond2},
						expectChange{address: policyAddr, attr: "group_by", before: "detection", after: "user"},
						expectChange{address: policyAddr, attr: "enabled", before: false, after: true},
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: e.policyIs(updated),
			},
			{
				// A new name is a new policy.
				Config: second(renamed),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(policyAddr, plancheck.ResourceActionDestroyBeforeCreate),
						plancheck.ExpectKnownValue(policyAddr, tfjsonpath.New("id"), knownvalue.StringExact(renamed)),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(e.policiesGone(name), e.policyIs(renamedPolicy)),
			},
		},
	})
}

// A custom policy deleted outside Terraform leaves the state with a
// warning, and the next plan creates it again.
func TestAccPolicy_customDeletedOutside(t *testing.T) {
	e := newTestEnv(t)
	config := e.config(`
resource "idp_policy" "test" {
  type      = "custom"
  name      = "password-spray"
  condition = "detection.riskEventType == 'passwordSpray'"
}
`)
	want := engine.Policy{Type: engine.PolicyCustom, Name: "password-spray", Enabled: true, Severity: engine.SeverityLow,
		Condition: "detection.riskEventType == 'passwordSpray'", GroupBy: engine.GroupByDetection}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.policiesGone("password-spray"),
		Steps: []resource.TestStep{
			{Config: config, ConfigPlanChecks: emptyPlanAfterApply, Check: e.policyIs(want)},
			{
				PreConfig: e.outside(func(ctx context.Context, c client.Client) error {
					return c.DeletePolicy(ctx, "password-spray")
				}),
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(policyAddr, plancheck.ResourceActionCreate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: e.policyIs(want),
			},
		},
	})
}

// Creating a custom policy whose name the engine already has fails the
// apply and leaves that policy alone; importing an unknown name fails.
func TestAccPolicy_customNameTaken(t *testing.T) {
	e := newTestEnv(t)
	theirs := engine.Policy{Type: engine.PolicyCustom, Name: "taken", Enabled: true, Severity: engine.SeverityHigh,
		Condition: "true", GroupBy: engine.GroupByDetection}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.policyIs(theirs),
		Steps: []resource.TestStep{
			{
				PreConfig: e.outside(func(ctx context.Context, c client.Client) error {
					_, err := c.CreatePolicy(ctx, theirs)
					return err
				}),
				Config: e.config(`
resource "idp_policy" "test" {
  type      = "custom"
  name      = "taken"
  condition = "detection.riskLevel == 'low'"
}
`),
				// The engine's own words follow, in remote mode as the
				// server's answer.
				ExpectError: errorAt("Policy Already Exists", `already has a custom policy named "taken"`, "import it",
					"Original Error", `custom policy "taken": already exists`),
			},
			{
				Config:        e.config(`resource "idp_policy" "test" { type = "risky_sign_in" }`),
				ResourceName:  policyAddr,
				ImportState:   true,
				ImportStateId: "not-there",
				ExpectError:   errorAt("Invalid Import ID", "no policy of that name exists"),
			},
			{
				Config:        e.config(`resource "idp_policy" "test" { type = "risky_sign_in" }`),
				ResourceName:  policyAddr,
				ImportState:   true,
				ImportStateId: "Not A Name",
				ExpectError:   errorAt("Invalid Import ID", "its name", "must be 1 to 63 characters"),
			},
		},
	})
}

func TestAccPolicy_customValidation(t *testing.T) {
	e := newTestEnv(t)
	step := func(body string, want ...string) resource.TestStep {
		return resource.TestStep{
			Config:      e.config("resource \"idp_policy\" \"test\" {\n" + body + "\n}\n"),
			PlanOnly:    true,
			ExpectError: errorAt(want...),
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			// CEL's own words, on the attribute: Terraform quotes the
			// line of the attribute the diagnostic's path names.
			step(`  type      = "custom"
  name      = "typo"
  condition = "detection.riskEventTyp == 'x'"`,
				`condition = "detection.riskEventTyp == 'x'"`, "rejected the value of condition",
				"condition does not compile", "undefined field 'riskEventTyp'"),
			step(`  type      = "custom"
  name      = "not-a-bool"
  condition = "detection.riskLevel"`,
				`condition = "detection.riskLevel"`, "rejected the value of condition", "must return a bool", "returns string"),
			step(`  type      = "custom"
  name      = "syntax"
  condition = "detection.riskLevel =="`,
				"rejected the value of condition", "Syntax error"),
			// Patterns that could make one evaluation run for seconds.
			step(`  type      = "custom"
  name      = "pattern-from-the-record"
  condition = "detection.userDisplayName.matches(detection.additionalInfo)"`,
				"rejected the value of condition", "matches() takes a pattern written in the condition"),
			step(`  type      = "custom"
  name      = "long-pattern"
  condition = "detection.additionalInfo.matches('${join("|", [for i in range(300) : format("term%04d", i)])}')"`,
				"rejected the value of condition", "a matches() pattern is at most 1000 bytes long; this one has 2699"),
			step(`  type = "custom"`,
				"Missing Attribute Configuration", `Attribute name must be set when type is "custom"`,
				"Missing Attribute Configuration", `Attribute condition must be set when type is "custom"`),
			step(`  type      = "risky_sign_in"
  name      = "mine"
  condition = "true"
  group_by  = "user"`,
				`Attribute name cannot be set when type is "risky_sign_in"`,
				`Attribute condition cannot be set when type is "risky_sign_in"`,
				`Attribute group_by cannot be set when type is "risky_sign_in"`),
			step(`  type      = "custom"
  name      = "Upper Case"
  condition = "true"`,
				`name = "Upper Case"`, "rejected the value of name", "must be 1 to 63 characters"),
			step(`  type      = "custom"
  name      = "risky_sign_in"
  condition = "true"`,
				"rejected the value of name", "is the name of a policy type"),
			// Every mistake at once, each on its attribute.
			step(`  type      = "custom"
  name      = "-dash"
  condition = "detection.nope"
  aggregation_window = "2h"`,
				"rejected the value of name", "rejected the value of condition", "undefined field 'nope'",
				"rejected the value of aggregation_window", `set group_by = "user" to aggregate`),
			step(`  type     = "custom"
  name     = "by-user"
  condition = "true"
  group_by = "tenant"`,
				`Attribute group_by value must be one of: ["detection" "user"], got: "tenant"`),
		},
	})
}

// Inline tests run at plan time: a failing one fails the plan on
// tests[N] with what happened, and the others say nothing.
func TestAccPolicy_inlineTestsFail(t *testing.T) {
	e := newTestEnv(t)
	custom := func(tests string) string {
		return e.config(fmt.Sprintf(`
resource "idp_policy" "test" {
  type      = "custom"
  name      = "anonymous"
  condition = "detection.riskEventType == 'anonymizedIPAddress'"
  severity  = "medium"
  tests     = [%s]
}
`, tests))
	}
	test := func(detection string, expect bool) string {
		return fmt.Sprintf("\n    { detection = %q, expect_alert = %t },", detection, expect)
	}
	pass := test(detectionJSON("anonymizedIPAddress", "high", "FR"), true)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				Config:      custom(pass + test(detectionJSON("unlikelyTravel", "high", "FR"), true)),
				PlanOnly:    true,
				ExpectError: errorAt("Policy Test Failed", "tests[1]: expected an alert, but the condition did not match"),
			},
			{
				Config:      custom(pass + test(detectionJSON("anonymizedIPAddress", "low", "FR"), true)),
				PlanOnly:    true,
				ExpectError: errorAt("tests[1]: expected an alert, but", `riskLevel "low" is below the policy's threshold "medium"`),
			},
			{
				Config:      custom(test(detectionJSON("anonymizedIPAddress", "medium", "FR"), false) + pass),
				PlanOnly:    true,
				ExpectError: errorAt("tests[0]: expected no alert, but the policy selects the detection"),
			},
			{
				Config:      custom(pass + pass + test(`{"id":"no-user","riskEventType":"anonymizedIPAddress"}`, false)),
				PlanOnly:    true,
				ExpectError: errorAt("tests[2]: the detection would be quarantined"),
			},
			{
				// Built-in policies run tests too, under their own rules.
				Config: e.config(fmt.Sprintf(`
resource "idp_policy" "test" {
  type  = "risky_sign_in"
  tests = [%s]
}
`, test(detectionJSON("unfamiliarFeatures", "high", "FR"), true)+test(detectionJSON("unfamiliarFeatures", "medium", "FR"), true))),
				PlanOnly:    true,
				ExpectError: errorAt("tests[1]: expected an alert, but", `below the policy's threshold "high"`),
			},
		},
	})
}

// Tests on built-in policies: passing tests keep the plan empty, and a
// change to tests alone is an update that leaves the engine as it was.
func TestAccPolicy_builtinTests(t *testing.T) {
	e := newTestEnv(t)
	def, _ := builtinDefault(engine.PolicyLeakedCredentials)
	config := func(tests string) string {
		return e.config(fmt.Sprintf(`
resource "idp_policy" "test" {
  type  = "leaked_credentials"
  tests = [%s]
}
`, tests))
	}
	leaked := fmt.Sprintf(`{ detection = %q, expect_alert = true }`, detectionJSON("leakedCredentials", "low", "US"))
	travel := fmt.Sprintf(`{ detection = %q, expect_alert = false }`, detectionJSON("unlikelyTravel", "high", "US"))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.policyIsDefault(engine.PolicyLeakedCredentials),
		Steps: []resource.TestStep{
			{
				Config:           config(leaked),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check:            e.policyIs(def),
			},
			{
				Config: config(leaked + ", " + travel),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(policyAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(policyAddr, tfjsonpath.New("tests"), knownvalue.ListSizeExact(2)),
				},
				Check: e.policyIs(def),
			},
		},
	})
}

// Values unknown until apply neither fail validation nor the tests at
// plan time; the plan Terraform makes at apply, with every value known,
// runs the tests before anything is written.
func TestAccPolicy_unknownValues(t *testing.T) {
	e := newTestEnv(t)
	config := func(expect bool) string {
		return e.config(fmt.Sprintf(`
resource "terraform_data" "later" {
  input = {
    condition = "detection.riskEventType == 'passwordSpray'"
    detection = %q
  }
}

resource "idp_policy" "test" {
  type      = "custom"
  name      = "spray"
  condition = terraform_data.later.output.condition
  tests = [
    { detection = terraform_data.later.output.detection, expect_alert = %t },
  ]
}
`, detectionJSON("passwordSpray", "low", "US"), expect))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.policiesGone("spray"),
		Steps: []resource.TestStep{
			{Config: config(false), PlanOnly: true, ExpectNonEmptyPlan: true},
			{Config: config(false), ExpectError: errorAt("tests[0]: expected no alert, but the policy selects the detection")},
			{Config: config(true), ConfigPlanChecks: emptyPlanAfterApply},
		},
	})
}

// A test left for apply keeps its place: the failing test after it is
// still reported as tests[2], and a policy with an unknown setting runs
// no test at all.
func TestRunPolicyTests_unknownsKeepIndexes(t *testing.T) {
	ctx := context.Background()
	entry := func(detection types.String, expect types.Bool) attr.Value {
		return types.ObjectValueMust(policyTestType.AttrTypes, map[string]attr.Value{"detection": detection, "expect_alert": expect})
	}
	alerting := types.StringValue(detectionJSON("passwordSpray", "high", "US"))
	plan := policyFromEngine(engine.Policy{Type: engine.PolicyCustom, Name: "spray", Enabled: true,
		Severity: engine.SeverityLow, Condition: "detection.riskEventType == 'passwordSpray'", GroupBy: engine.GroupByDetection})
	plan.Tests = types.ListValueMust(policyTestType, []attr.Value{
		entry(types.StringUnknown(), types.BoolValue(false)),
		types.ObjectUnknown(policyTestType.AttrTypes),
		entry(alerting, types.BoolValue(false)),
		entry(alerting, types.BoolUnknown()),
		entry(alerting, types.BoolValue(true)),
	})
	c, err := client.NewEmbedded(ctx, client.EmbeddedConfig{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	diags := runPolicyTests(ctx, c, plan)
	if diags.ErrorsCount() != 1 {
		t.Fatalf("diagnostics = %v, want one failing test", diags)
	}
	d := diags.Errors()[0]
	withPath, ok := d.(interface{ Path() path.Path })
	if !ok || !withPath.Path().Equal(path.Root("tests").AtListIndex(2)) {
		t.Errorf("diagnostic %v is not on tests[2]", d)
	}
	if !strings.HasPrefix(d.Detail(), "tests[2]: expected no alert, but") {
		t.Errorf("detail = %q, want it to start with tests[2]: expected no alert, but", d.Detail())
	}

	plan.Condition = types.StringUnknown()
	if diags := runPolicyTests(ctx, c, plan); diags.HasError() {
		t.Errorf("with an unknown condition, diagnostics = %v, want none", diags)
	}
}
