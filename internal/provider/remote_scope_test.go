package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

// A read token is enough to plan and to read alerts; the apply that would
// change the engine is refused, saying that it needs an admin token, and
// changes nothing.
func TestAccRemote_readTokenPlansButDoesNotApply(t *testing.T) {
	e := newTestEnv(t, onlyIn("it is about engine serve's token scopes", modeRemote))
	readOnly := strings.Replace(e.server.providerBlock(), e.server.token, e.server.readToken, 1)
	body := `
resource "idp_policy" "leaked" {
  type     = "leaked_credentials"
  severity = "high"
}

data "idp_alerts" "all" {}
`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.policyIsDefault(engine.PolicyLeakedCredentials),
		Steps: []resource.TestStep{
			{
				// The plan reads the alerts and proposes the policy.
				Config:             readOnly + body,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				Config:      readOnly + body,
				ExpectError: errorAt("Unable to Create idp_policy", "applying changes needs an admin token", "needs an admin token"),
			},
		},
	})
}
