package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/idp/terraform-provider-idp/internal/client"
	"github.com/idp/terraform-provider-idp/internal/engine"
)

const integrationAddr = "idp_integration.test"

// integrationIs checks the engine holds exactly these settings.
func (e *testEnv) integrationIs(want engine.Integration) resource.TestCheckFunc {
	return e.checkEngine(func(ctx context.Context, c client.Client) error {
		got, err := c.Integration(ctx)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(got, want) {
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(want)
			return fmt.Errorf("engine integration = %s, want %s", g, w)
		}
		return nil
	})
}

func TestAccIntegration_lifecycle(t *testing.T) {
	e := newTestEnv(t)
	detections := testdataPath(t, "detections.ndjson")
	devices := testdataPath(t, "devices.ndjson")

	tuned := e.config(fmt.Sprintf(`
resource "idp_integration" "test" {
  retention_days = 30
  actions = {
    require_managed_device = false
  }
  source = {
    file = {
      detections = [%q]
      devices    = [%q]
    }
  }
}
`, detections, devices))
	// The provider process runs in this package's directory, as Terraform
	// runs providers in the configuration's directory: relative paths
	// resolve there. In remote mode they go to the server as written, and
	// the test's server runs in the same directory.
	disabled := e.config(`
resource "idp_integration" "test" {
  enabled        = false
  retention_days = 90
  source = {
    file = {
      detections = ["testdata/detections.ndjson"]
      devices    = []
    }
  }
}
`)
	disabledInEngine := engine.Integration{
		Enabled: false, RetentionDays: 90,
		Actions: engine.Actions{ResetPassword: true, RequireMFA: true, RequireManagedDevice: true},
		Source:  &engine.Source{File: &engine.FileSource{Detections: []string{e.storedPath("testdata/detections.ndjson")}}},
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.integrationIs(engine.DefaultIntegration()),
		Steps: []resource.TestStep{
			{
				Config:           tuned,
				ConfigPlanChecks: emptyPlanAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(integrationAddr, tfjsonpath.New("id"), knownvalue.StringExact("integration")),
					statecheck.ExpectKnownValue(integrationAddr, tfjsonpath.New("enabled"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(integrationAddr, tfjsonpath.New("retention_days"), knownvalue.Int64Exact(30)),
					statecheck.ExpectKnownValue(integrationAddr, tfjsonpath.New("actions"), knownvalue.ObjectExact(map[string]knownvalue.Check{
						"reset_password":         knownvalue.Bool(true),
						"require_mfa":            knownvalue.Bool(true),
						"require_managed_device": knownvalue.Bool(false),
					})),
					statecheck.ExpectKnownValue(integrationAddr, tfjsonpath.New("source").AtMapKey("file").AtMapKey("detections"),
						knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact(detections)})),
				},
				Check: e.integrationIs(engine.Integration{
					Enabled: true, RetentionDays: 30,
					Actions: engine.Actions{ResetPassword: true, RequireMFA: true, RequireManagedDevice: false},
					Source:  &engine.Source{File: &engine.FileSource{Detections: []string{detections}, Devices: []string{devices}}},
				}),
			},
			{
				ResourceName:      integrationAddr,
				ImportState:       true,
				ImportStateId:     "integration",
				ImportStateVerify: true,
			},
			{
				Config: disabled,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(integrationAddr, plancheck.ResourceActionUpdate),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					// With the embedded engine the relative path names the
					// file the state already holds in absolute form: one
					// value, so the state keeps it and the plan shows no
					// change of it. A server resolves relative paths on its
					// own host, so there the text is kept as written. An
					// empty list stays empty.
					statecheck.ExpectKnownValue(integrationAddr, tfjsonpath.New("source").AtMapKey("file").AtMapKey("detections"),
						knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact(e.storedPath("testdata/detections.ndjson"))})),
					statecheck.ExpectKnownValue(integrationAddr, tfjsonpath.New("source").AtMapKey("file").AtMapKey("devices"),
						knownvalue.ListSizeExact(0)),
					statecheck.ExpectKnownValue(integrationAddr, tfjsonpath.New("actions").AtMapKey("require_managed_device"),
						knownvalue.Bool(true)),
				},
				Check: e.integrationIs(disabledInEngine),
			},
			{
				// Everything left out: the defaults, and no source.
				Config:           e.config(`resource "idp_integration" "test" {}`),
				ConfigPlanChecks: emptyPlanAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(integrationAddr, tfjsonpath.New("source"), knownvalue.Null()),
					statecheck.ExpectKnownValue(integrationAddr, tfjsonpath.New("retention_days"),
						knownvalue.Int64Exact(engine.DefaultRetentionDays)),
				},
				Check: e.integrationIs(engine.DefaultIntegration()),
			},
			{
				// From no source at all, the user's text is kept:
				// relative stays relative.
				Config:           disabled,
				ConfigPlanChecks: emptyPlanAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(integrationAddr, tfjsonpath.New("source").AtMapKey("file").AtMapKey("detections"),
						knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("testdata/detections.ndjson")})),
				},
				Check: e.integrationIs(disabledInEngine),
			},
			{
				// A change made through the engine shows in the next plan,
				// and the apply puts the configuration back.
				PreConfig: e.outside(func(ctx context.Context, c client.Client) error {
					in, err := c.Integration(ctx)
					if err != nil {
						return err
					}
					in.RetentionDays = 365
					in.Actions.RequireMFA = false
					_, err = c.SetIntegration(ctx, in)
					return err
				}),
				Config: disabled,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(integrationAddr, plancheck.ResourceActionUpdate),
						expectChange{address: integrationAddr, attr: "retention_days", before: 365, after: 90},
						expectChange{address: integrationAddr, attr: "actions.require_mfa", before: false, after: true},
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: e.integrationIs(disabledInEngine),
			},
		},
	})
}

func TestAccIntegration_validation(t *testing.T) {
	e := newTestEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				Config:      e.config(`resource "idp_integration" "test" { retention_days = 0 }`),
				PlanOnly:    true,
				ExpectError: errorAt("Attribute retention_days value must be between 1 and 3650, got: 0"),
			},
			{
				Config:      e.config(`resource "idp_integration" "test" { retention_days = 3651 }`),
				PlanOnly:    true,
				ExpectError: errorAt("Attribute retention_days value must be between 1 and 3650, got: 3651"),
			},
			{
				// The engine's own check, reported on the attribute.
				Config:      e.config(`resource "idp_integration" "test" { source = {} }`),
				PlanOnly:    true,
				ExpectError: errorAt("Invalid Attribute Value", "rejected the value of source", "exactly one of file or graph"),
			},
			{
				Config:      e.config(`resource "idp_integration" "test" { source = { file = { detections = [""] } } }`),
				PlanOnly:    true,
				ExpectError: errorAt("Attribute source.file.detections[0] string length must be at least 1"),
			},
			{
				Config:        e.config(`resource "idp_integration" "test" {}`),
				ResourceName:  integrationAddr,
				ImportState:   true,
				ImportStateId: "the-integration",
				ExpectError:   errorAt("Invalid Import ID", `"the-integration"`),
			},
		},
	})
}

// Destroy restores the defaults and leaves the alerts alone.
func TestAccIntegration_destroyKeepsAlerts(t *testing.T) {
	e := newTestEnv(t)
	detections := testdataPath(t, "detections.ndjson")
	// The fixture raises 5 alerts under the default policies (see
	// TestAccAlertsDataSource_filters for the derivation).
	const fixtureAlerts = 5
	alertCount := func(want int) resource.TestCheckFunc {
		return e.checkEngine(func(ctx context.Context, c client.Client) error {
			page, err := c.Alerts(ctx, engine.AlertQuery{})
			if err != nil {
				return err
			}
			if page.Total != want {
				return fmt.Errorf("engine has %d alerts, want %d", page.Total, want)
			}
			return nil
		})
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy: resource.ComposeAggregateTestCheckFunc(
			e.integrationIs(engine.DefaultIntegration()),
			alertCount(fixtureAlerts),
		),
		Steps: []resource.TestStep{{
			PreConfig: e.ingestFile(detections),
			Config: e.config(`
resource "idp_integration" "test" {
  enabled        = false
  retention_days = 7
}
`),
			ConfigPlanChecks: emptyPlanAfterApply,
			Check:            alertCount(fixtureAlerts),
		}},
	})
}
