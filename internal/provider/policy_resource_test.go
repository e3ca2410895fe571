package provider

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/idp/terraform-provider-idp/internal/client"
	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/policy"
)

const policyAddr = "idp_policy.test"

// policyIs checks the engine holds exactly this policy.
func (e *testEnv) policyIs(want engine.Policy) resource.TestCheckFunc {
	return e.checkEngine(func(ctx context.Context, c client.Client) error {
		got, err := c.Policy(ctx, want.ID())
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(got, want) {
			return fmt.Errorf("engine policy %s = %+v, want %+v", want.ID(), got, want)
		}
		return nil
	})
}

// policyIsDefault checks a built-in is back to its registry default.
func (e *testEnv) policyIsDefault(typ string) resource.TestCheckFunc {
	def, ok := builtinDefault(typ)
	if !ok {
		panic("not a built-in policy type: " + typ)
	}
	return e.policyIs(def)
}

func TestAccPolicy_riskySignIn(t *testing.T) {
	e := newTestEnv(t)
	def, _ := builtinDefault(engine.PolicyRiskySignIn)
	tuned := def
	tuned.Severity, tuned.AggregationWindow, tuned.RemediateRiskyUsers = engine.SeverityMedium, engine.Duration(12*time.Hour), true
	// Not the default in any setting, so that the strict CheckDestroy
	// can tell a restore from a no-op.
	retuned := def
	retuned.Severity, retuned.Enabled = engine.SeverityLow, false

	retunedConfig := e.config(`
resource "idp_policy" "test" {
  type               = "risky_sign_in"
  enabled            = false
  severity           = "low"
  aggregation_window = "1440m"
}
`)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.policyIsDefault(engine.PolicyRiskySignIn),
		Steps: []resource.TestStep{
			{
				Config: e.config(`
resource "idp_policy" "test" {
  type                  = "risky_sign_in"
  severity              = "medium"
  aggregation_window    = "12h"
  remediate_risky_users = true
}
`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					// Settings left out are planned with the type's
					// defaults, so the plan shows what apply writes.
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectKnownValue(policyAddr, tfjsonpath.New("enabled"), knownvalue.Bool(def.Enabled)),
						plancheck.ExpectKnownValue(policyAddr, tfjsonpath.New("id"), knownvalue.StringExact("risky_sign_in")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(policyAddr, tfjsonpath.New("severity"), knownvalue.StringExact("medium")),
					statecheck.ExpectKnownValue(policyAddr, tfjsonpath.New("aggregation_window"), knownvalue.StringExact("12h")),
					statecheck.ExpectKnownValue(policyAddr, tfjsonpath.New("remediate_risky_users"), knownvalue.Bool(true)),
				},
				Check: e.policyIs(tuned),
			},
			{
				ResourceName:      policyAddr,
				ImportState:       true,
				ImportStateId:     "risky_sign_in",
				ImportStateVerify: true,
			},
			{
				// "1440m" is the engine's 24h0m0s: the user's text stays
				// and no plan ever proposes to rewrite it.
				Config: retunedConfig,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(policyAddr, plancheck.ResourceActionUpdate),
						expectChange{address: policyAddr, attr: "remediate_risky_users", before: true, after: false},
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(policyAddr, tfjsonpath.New("aggregation_window"), knownvalue.StringExact("1440m")),
				},
				Check: e.policyIs(retuned),
			},
			{
				PreConfig: e.outside(func(ctx context.Context, c client.Client) error {
					p := retuned
					p.Severity, p.Enabled, p.AggregationWindow = engine.SeverityHigh, true, engine.Duration(48*time.Hour)
					_, err := c.PutPolicy(ctx, p)
					return err
				}),
				Config: retunedConfig,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(policyAddr, plancheck.ResourceActionUpdate),
						expectChange{address: policyAddr, attr: "severity", before: "high", after: "low"},
						expectChange{address: policyAddr, attr: "enabled", before: true, after: false},
						expectChange{address: policyAddr, attr: "aggregation_window", before: "48h", after: "1440m"},
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: e.policyIs(retuned),
			},
		},
	})
}

func TestAccPolicy_leakedCredentials(t *testing.T) {
	e := newTestEnv(t)
	def, _ := builtinDefault(engine.PolicyLeakedCredentials)
	tuned := def
	tuned.Enabled, tuned.Severity = false, engine.SeverityMedium
	retuned := def
	retuned.RemediateRiskyUsers = true

	retunedConfig := e.config(`
resource "idp_policy" "test" {
  type                  = "leaked_credentials"
  remediate_risky_users = true
}
`)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.policyIsDefault(engine.PolicyLeakedCredentials),
		Steps: []resource.TestStep{
			{
				Config: e.config(`
resource "idp_policy" "test" {
  type     = "leaked_credentials"
  enabled  = false
  severity = "medium"
}
`),
				ConfigPlanChecks: emptyPlanAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					// Leaked credentials alert per detection: no window.
					statecheck.ExpectKnownValue(policyAddr, tfjsonpath.New("aggregation_window"), knownvalue.Null()),
					statecheck.ExpectKnownValue(policyAddr, tfjsonpath.New("remediate_risky_users"), knownvalue.Bool(def.RemediateRiskyUsers)),
				},
				Check: e.policyIs(tuned),
			},
			{
				ResourceName:      policyAddr,
				ImportState:       true,
				ImportStateId:     "leaked_credentials",
				ImportStateVerify: true,
			},
			{
				Config: retunedConfig,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(policyAddr, plancheck.ResourceActionUpdate),
						// Settings left out go back to the type's defaults.
						expectChange{address: policyAddr, attr: "enabled", before: false, after: def.Enabled},
						expectChange{address: policyAddr, attr: "severity", before: "medium", after: string(def.Severity)},
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: e.policyIs(retuned),
			},
			{
				PreConfig: e.outside(func(ctx context.Context, c client.Client) error {
					p := retuned
					p.RemediateRiskyUsers, p.Severity = false, engine.SeverityHigh
					_, err := c.PutPolicy(ctx, p)
					return err
				}),
				Config: retunedConfig,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						expectChange{address: policyAddr, attr: "remediate_risky_users", before: false, after: true},
						// Drift shows on settings left to their defaults too.
						expectChange{address: policyAddr, attr: "severity", before: "high", after: string(def.Severity)},
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: e.policyIs(retuned),
			},
		},
	})
}

// Changing type replaces the resource: the old type is restored to its
// defaults and the new one tuned.
func TestAccPolicy_changeTypeReplaces(t *testing.T) {
	e := newTestEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.policyIsDefault(engine.PolicyRiskySignIn),
		Steps: []resource.TestStep{
			{
				Config: e.config(`resource "idp_policy" "test" {
  type = "leaked_credentials"
  severity = "high"
}`),
				ConfigPlanChecks: emptyPlanAfterApply,
			},
			{
				Config: e.config(`resource "idp_policy" "test" {
  type = "risky_sign_in"
  severity = "medium"
}`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(policyAddr, plancheck.ResourceActionDestroyBeforeCreate),
						// The new type's defaults, not the old type's values.
						plancheck.ExpectKnownValue(policyAddr, tfjsonpath.New("aggregation_window"),
							knownvalue.StringExact(formatDuration(policy.DefaultAggregationWindow))),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					e.policyIsDefault(engine.PolicyLeakedCredentials),
					e.policyIs(func() engine.Policy {
						p, _ := builtinDefault(engine.PolicyRiskySignIn)
						p.Severity = engine.SeverityMedium
						return p
					}()),
				),
			},
		},
	})
}

func TestAccPolicy_validation(t *testing.T) {
	e := newTestEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				Config: e.config(`resource "idp_policy" "test" {
  type = "risky_sign_in"
  severity = "critical"
}`),
				PlanOnly:    true,
				ExpectError: errorAt(`Attribute severity value must be one of: ["low" "medium" "high"], got: "critical"`),
			},
			{
				Config: e.config(`resource "idp_policy" "test" {
  type = "risky_sign_in"
  aggregation_window = "30m"
}`),
				PlanOnly:    true,
				ExpectError: errorAt("Attribute aggregation_window value must be a duration from 1h to 168h, got: 30m"),
			},
			{
				Config: e.config(`resource "idp_policy" "test" {
  type = "risky_sign_in"
  aggregation_window = "8d"
}`),
				PlanOnly:    true,
				ExpectError: errorAt("Invalid Duration", `"8d" is not a Go duration`),
			},
			{
				// The engine's rule, reported on the attribute.
				Config: e.config(`resource "idp_policy" "test" {
  type = "leaked_credentials"
  aggregation_window = "2h"
}`),
				PlanOnly:    true,
				ExpectError: errorAt("rejected the value of aggregation_window", "take no aggregation window"),
			},
			{
				Config:      e.config(`resource "idp_policy" "test" { type = "sometimes" }`),
				PlanOnly:    true,
				ExpectError: errorAt(`Attribute type value must be one of: ["custom" "leaked_credentials" "risky_sign_in"]`),
			},
			{
				Config:        e.config(`resource "idp_policy" "test" { type = "risky_sign_in" }`),
				ResourceName:  policyAddr,
				ImportState:   true,
				ImportStateId: "risky_sign_ins",
				ExpectError:   errorAt("Invalid Import ID", "leaked_credentials, risky_sign_in"),
			},
		},
	})
}

// goneClient answers as an engine in which no policy exists any more: a
// custom policy deleted outside Terraform.
type goneClient struct {
	client.Client
	deleted []string
}

func (c *goneClient) Policy(_ context.Context, id string) (engine.Policy, error) {
	return engine.Policy{}, fmt.Errorf("policy %q: %w", id, engine.ErrNotFound)
}

// Status: the store holds settings, so the policy was deleted, not lost
// with its store.
func (c *goneClient) Status(context.Context) (engine.Status, error) {
	return engine.Status{Configured: true}, nil
}

func (c *goneClient) DeletePolicy(_ context.Context, id string) error {
	c.deleted = append(c.deleted, id)
	return fmt.Errorf("policy %q: %w", id, engine.ErrNotFound)
}

var impossibleTravel = engine.Policy{Type: engine.PolicyCustom, Name: "impossible-travel", Enabled: true,
	Severity: engine.SeverityLow, Condition: `detection.riskEventType == "impossibleTravel"`, GroupBy: engine.GroupByDetection}

func policyState(t *testing.T, r *policyResource, m policyModel) tfsdk.State {
	t.Helper()
	ctx := context.Background()
	var sr fwresource.SchemaResponse
	r.Schema(ctx, fwresource.SchemaRequest{}, &sr)
	st := tfsdk.State{Schema: sr.Schema, Raw: tftypes.NewValue(sr.Schema.Type().TerraformType(ctx), nil)}
	if diags := st.Set(ctx, &m); diags.HasError() {
		t.Fatalf("building the state: %v", diags)
	}
	return st
}

func TestPolicyRead_vanishedIsRemovedWithWarning(t *testing.T) {
	ctx := context.Background()
	r := &policyResource{client: &engineConn{Client: &goneClient{}}}
	st := policyState(t, r, policyFromEngine(impossibleTravel))
	resp := fwresource.ReadResponse{State: st}
	r.Read(ctx, fwresource.ReadRequest{State: st}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatalf("Read failed: %v", resp.Diagnostics)
	}
	if !resp.State.Raw.IsNull() {
		t.Errorf("the vanished policy is still in the state: %v", resp.State.Raw)
	}
	if resp.Diagnostics.WarningsCount() != 1 || resp.Diagnostics.Warnings()[0].Summary() != "Resource Removed Outside Terraform" {
		t.Errorf("diagnostics = %v, want one warning that the policy was removed outside Terraform", resp.Diagnostics)
	}
}

func TestPolicyDelete_notFoundIsSuccess(t *testing.T) {
	ctx := context.Background()
	c := &goneClient{}
	r := &policyResource{client: &engineConn{Client: c}}
	st := policyState(t, r, policyFromEngine(impossibleTravel))
	resp := fwresource.DeleteResponse{State: st}
	r.Delete(ctx, fwresource.DeleteRequest{State: st}, &resp)
	if resp.Diagnostics.HasError() {
		t.Errorf("Delete of a policy already gone failed: %v", resp.Diagnostics)
	}
	if fmt.Sprint(c.deleted) != "[impossible-travel]" {
		t.Errorf("deleted %v, want [impossible-travel]", c.deleted)
	}
}
