package provider

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/idp/terraform-provider-idp/internal/client"
	"github.com/idp/terraform-provider-idp/internal/engine"
)

// removed blocks (terraform state rm in configuration) exist from 1.7 on.
var removedBlocksVersion = version.Must(version.NewVersion("1.7.0"))

// claimed checks whether the engine records a resource managing the
// singleton.
func (e *testEnv) claimed(name string, want bool) resource.TestCheckFunc {
	return e.checkEngine(func(ctx context.Context, c client.Client) error {
		st, err := c.Status(ctx)
		if err == nil && slices.Contains(st.Claimed, name) != want {
			err = fmt.Errorf("claims %v: want %s claimed %t", st.Claimed, name, want)
		}
		return err
	})
}

// olderThan makes a step's SkipFunc for features of newer CLIs.
func olderThan(t *testing.T, v *version.Version) func() (bool, error) {
	return func() (bool, error) {
		_, have := acceptanceTerraform(t)
		return have.LessThan(v), nil
	}
}

// A singleton another configuration manages cannot be created again: the
// error names the import command. An import block takes it over (the
// update holds the claim), `terraform state rm` (a removed block) leaves
// the engine alone, an import brings it back with an empty plan, and
// destroy releases it.
func TestAccIntegration_claimedOnce(t *testing.T) {
	e := newTestEnv(t)
	config := e.config(`
resource "idp_integration" "test" {
  retention_days = 90
}
`)
	imported := config + `
import {
  to = idp_integration.test
  id = "integration"
}
`
	tuned := engine.DefaultIntegration()
	tuned.RetentionDays = 90
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy: resource.ComposeAggregateTestCheckFunc(
			e.integrationIs(engine.DefaultIntegration()),
			e.claimed(engine.ClaimIntegration, false),
		),
		Steps: []resource.TestStep{
			{
				// Another configuration's resource created it.
				PreConfig: e.outside(func(ctx context.Context, c client.Client) error {
					in := engine.DefaultIntegration()
					in.RetentionDays = 30
					_, err := c.CreateIntegration(ctx, in)
					return err
				}),
				Config:      config,
				ExpectError: errorAt("Already Managed By Another Resource", "terraform import idp_integration.NAME integration"),
			},
			{
				Config: imported,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						expectChange{address: integrationAddr, attr: "retention_days", before: 30, after: 90},
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					e.integrationIs(tuned),
					e.claimed(engine.ClaimIntegration, true),
				),
			},
			{
				SkipFunc: olderThan(t, removedBlocksVersion),
				Config: e.config(`
removed {
  from = idp_integration.test
  lifecycle {
    destroy = false
  }
}
`),
				Check: resource.ComposeAggregateTestCheckFunc(
					func(s *terraform.State) error {
						if _, ok := s.RootModule().Resources[integrationAddr]; ok {
							return fmt.Errorf("%s is still in the state", integrationAddr)
						}
						return nil
					},
					e.integrationIs(tuned),
					e.claimed(engine.ClaimIntegration, true),
				),
			},
			{
				SkipFunc: olderThan(t, removedBlocksVersion),
				Config:   imported,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(integrationAddr, plancheck.ResourceActionNoop),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: e.claimed(engine.ClaimIntegration, true),
			},
		},
	})
}

// Two resources of one built-in policy: the second fails at apply naming
// the import command; destroying the first releases the built-in, and then
// a new resource may take it.
func TestAccPolicy_builtinClaimedOnce(t *testing.T) {
	e := newTestEnv(t)
	one := `
resource "idp_policy" "first" {
  type     = "leaked_credentials"
  severity = "medium"
}
`
	two := one + `
resource "idp_policy" "second" {
  type     = "leaked_credentials"
  severity = "high"
  depends_on = [idp_policy.first]
}
`
	claim := engine.ClaimPolicy(engine.PolicyLeakedCredentials)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy: resource.ComposeAggregateTestCheckFunc(
			e.policyIsDefault(engine.PolicyLeakedCredentials),
			e.claimed(claim, false),
		),
		Steps: []resource.TestStep{
			{
				Config:      e.config(two),
				ExpectError: errorAt("Already Managed By Another Resource", "terraform import idp_policy.NAME leaked_credentials"),
			},
			{
				// The refused create changed nothing: the first's settings
				// stand.
				Config:           e.config(one),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check: resource.ComposeAggregateTestCheckFunc(
					e.policyIs(engine.Policy{Type: engine.PolicyLeakedCredentials, Enabled: true, Severity: engine.SeverityMedium, GroupBy: engine.GroupByDetection}),
					e.claimed(claim, true),
				),
			},
			{
				// Destroying the first (left out of the configuration)
				// releases the built-in.
				Config: e.config(`
resource "idp_integration" "placeholder" {}
`),
				Check: resource.ComposeAggregateTestCheckFunc(
					e.policyIsDefault(engine.PolicyLeakedCredentials),
					e.claimed(claim, false),
				),
			},
			{
				Config: e.config(`
resource "idp_policy" "second" {
  type     = "leaked_credentials"
  severity = "high"
}
`),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check: resource.ComposeAggregateTestCheckFunc(
					e.policyIs(engine.Policy{Type: engine.PolicyLeakedCredentials, Enabled: true, Severity: engine.SeverityHigh, GroupBy: engine.GroupByDetection}),
					e.claimed(claim, true),
				),
			},
		},
	})
}

// An import of an integration whose configuration names its files by
// relative paths plans no change: the absolute paths the engine returns
// are the same values. On every version, with an import block.
func TestAccIntegration_importRelativePaths(t *testing.T) {
	e := newTestEnv(t)
	config := e.config(`
resource "idp_integration" "test" {
  source = {
    file = {
      detections = ["testdata/detections.ndjson"]
      devices    = ["testdata/devices.ndjson"]
    }
  }
}
`)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{Config: config, ConfigPlanChecks: emptyPlanAfterApply},
			{
				Config:          config,
				ResourceName:    integrationAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
				ImportStateId:   integrationID,
			},
		},
	})
}
