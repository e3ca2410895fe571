package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/idp/terraform-provider-idp/internal/client"
)

// In remote mode the server's rules judge the plan, not the provider
// binary's: a file outside the server's source roots (which an embedded
// engine, reading the user's own files, accepts) and a Graph host the
// server does not let credentials go to fail the plan on their attribute,
// before anything is applied. A read token is enough, and the checks
// change nothing.
func TestAccRemote_serverRulesApplyAtPlan(t *testing.T) {
	e := newTestEnv(t, onlyIn("it is about the server's rules", modeRemote))
	readOnly := strings.Replace(e.server.providerBlock(), e.server.token, e.server.readToken, 1)
	// The test server's roots are the temporary and working directories.
	outsideRoots := "/srv/not-a-source-root/detections.ndjson"
	fileSource := fmt.Sprintf(`
resource "idp_integration" "test" {
  source = {
    file = { detections = [%q] }
  }
}
`, outsideRoots)
	graphSource := `
resource "idp_integration" "test" {
  source = {
    graph = {
      tenant_id = "contoso.onmicrosoft.com"
      client_id = "app"
      graph_url = "https://graph.attacker.example"
    }
  }
}
`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				Config:      readOnly + fileSource,
				PlanOnly:    true,
				ExpectError: errorAt("Invalid Attribute Value", "rejected the value of source.file.detections", "source roots"),
			},
			{
				Config:   readOnly + graphSource,
				PlanOnly: true,
				ExpectError: errorAt("Attribute source.graph.graph_url value must be an absolute https URL",
					`got: "https://graph.attacker.example"`, "host not allowed"),
			},
			{
				// Nothing of the refused plans reached the store.
				PreConfig: e.outside(func(ctx context.Context, c client.Client) error {
					in, err := c.Integration(ctx)
					if err == nil && in.Source != nil {
						err = fmt.Errorf("the integration after refused plans: %+v, want the defaults", in)
					}
					return err
				}),
				Config:   readOnly + `data "idp_alerts" "all" {}`,
				PlanOnly: true,
			},
		},
	})
}
