package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/idp/terraform-provider-idp/internal/client"
	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph/graphtest"
)

// writeOnlyConfig is a graph source on srv whose secret is the write-only
// client_secret_wo, at a version.
func writeOnlyConfig(e *testEnv, srv *graphtest.Server, secret string, version int) string {
	return e.config(fmt.Sprintf(`
resource "idp_integration" "test" {
  source = {
    graph = {
      tenant_id                = %q
      client_id                = %q
      client_secret_wo         = %q
      client_secret_wo_version = %d
      authority_url            = %q
      graph_url                = %q
    }
  }
}
`, graphTenant, graphClient, secret, version, srv.URL, srv.URL))
}

// syncs checks what Graph makes of the secret the engine holds when it
// syncs: it issues a token (accepted), or refuses every token request.
func (e *testEnv) syncs(srv *graphtest.Server, accepted bool) resource.TestCheckFunc {
	return e.checkEngine(func(ctx context.Context, c client.Client) error {
		before := srv.Stats()
		srv.ExpireTokens()
		_, err := c.Sync(ctx)
		after := srv.Stats()
		requested, issued := after.TokenRequests-before.TokenRequests, after.TokensIssued-before.TokensIssued
		switch {
		case accepted && (err != nil || issued == 0):
			return fmt.Errorf("sync with the secret the engine holds: %d tokens issued, %v", issued, err)
		case !accepted && (err == nil || requested == 0 || issued != 0):
			return fmt.Errorf("sync = %v, %d token requests, %d issued; want Graph to refuse the secret", err, requested, issued)
		}
		return nil
	})
}

// notInState fails when the state holds the secret in any spelling.
func notInState(secret string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		for _, form := range secretForms(secret) {
			if strings.Contains(s.String(), form) {
				return fmt.Errorf("the state holds the write-only secret")
			}
		}
		return nil
	}
}

// client_secret_wo (Terraform 1.11 and later): the secret reaches the
// engine, which syncs with it, and never the state; it is sent again only
// when its version changes, or when the engine has lost it.
func TestAccIntegration_graphSecretWriteOnly(t *testing.T) {
	e := newTestEnv(t, unthrottledGraph)
	srv := newGraphServer(t, graphSecret, testdataPath(t, "detections.ndjson"), testdataPath(t, "devices.ndjson"))
	const wrong = "Wr0ng+s3cr3t/Rotated=~Zz"
	graphAttr := func(name string) tfjsonpath.Path { return tfjsonpath.New("source").AtMapKey("graph").AtMapKey(name) }
	held := func(want bool) resource.TestCheckFunc {
		return e.checkEngine(func(ctx context.Context, c client.Client) error {
			in, err := c.Integration(ctx)
			if err != nil {
				return err
			}
			if g := in.Source.Graph; g.ClientSecretSet != want || g.ClientSecret != "" {
				return fmt.Errorf("the engine answers client_secret_set %t (and %d secret bytes), want %t", g.ClientSecretSet, len(g.ClientSecret), want)
			}
			return nil
		})
	}
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.integrationIs(engine.DefaultIntegration()),
		Steps: []resource.TestStep{
			{
				Config:           writeOnlyConfig(e, srv, graphSecret, 1),
				ConfigPlanChecks: emptyPlanAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(integrationAddr, graphAttr("client_secret_wo"), knownvalue.Null()),
					statecheck.ExpectKnownValue(integrationAddr, graphAttr("client_secret"), knownvalue.Null()),
					statecheck.ExpectKnownValue(integrationAddr, graphAttr("client_secret_wo_version"), knownvalue.Int64Exact(1)),
				},
				Check: resource.ComposeAggregateTestCheckFunc(notInState(graphSecret), held(true), e.syncs(srv, true)),
			},
			{
				// Another value at the same version is not sent: the
				// engine keeps the one it holds, which still works.
				Config:           writeOnlyConfig(e, srv, wrong, 1),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check:            resource.ComposeAggregateTestCheckFunc(notInState(wrong), e.syncs(srv, true)),
			},
			{
				// A new version sends it: Graph now refuses the secret.
				Config: writeOnlyConfig(e, srv, wrong, 2),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(integrationAddr, plancheck.ResourceActionUpdate),
						expectChange{address: integrationAddr, attr: "source.graph.client_secret_wo_version", before: 1, after: 2},
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(notInState(wrong), held(true), e.syncs(srv, false)),
			},
			{
				// The engine loses the secret outside Terraform: the plan
				// shows the version to send it again, and the apply does.
				PreConfig: e.outside(func(ctx context.Context, c client.Client) error {
					in, err := c.Integration(ctx)
					if err != nil {
						return err
					}
					in.Source.Graph.ClientSecretSet = false
					_, err = c.SetIntegration(ctx, in)
					return err
				}),
				Config: writeOnlyConfig(e, srv, graphSecret, 2),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(integrationAddr, plancheck.ResourceActionUpdate),
						expectChange{address: integrationAddr, attr: "source.graph.client_secret_wo_version", before: nil, after: 2},
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(notInState(graphSecret), held(true), e.syncs(srv, true)),
			},
			{
				ResourceName:            integrationAddr,
				ImportState:             true,
				ImportStateId:           integrationID,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"source.graph.client_secret_wo_version"},
			},
			{
				// Neither form: the engine drops the secret it holds.
				Config:           secretlessConfig(e, srv),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check:            held(false),
			},
		},
	})
}

// Before Terraform 1.11 a write-only argument cannot be used: the
// configuration is refused at plan time, naming the attribute, and nothing
// reaches the engine.
func TestAccIntegration_graphSecretWriteOnlyNeedsTerraform111(t *testing.T) {
	e := newTestEnv(t, unthrottledGraph)
	srv := newGraphServer(t, graphSecret, testdataPath(t, "detections.ndjson"), testdataPath(t, "devices.ndjson"))
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipAbove(tfversion.Version1_10_0)},
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.integrationIs(engine.DefaultIntegration()),
		Steps: []resource.TestStep{{
			Config:      writeOnlyConfig(e, srv, graphSecret, 1),
			ExpectError: regexp.MustCompile(`(?s)WriteOnly Attribute Not Allowed.*Terraform 1\.11`),
		}},
	})
}
