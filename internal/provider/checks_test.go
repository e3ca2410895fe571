package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/idp/terraform-provider-idp/internal/client"
)

// expectChange asserts that a plan changes one attribute of a resource
// from before to after: how a change made outside Terraform must show.
// attr may name a nested attribute with dots ("actions.require_mfa").
type expectChange struct {
	address, attr string
	before, after any
}

var _ plancheck.PlanCheck = expectChange{}

func (c expectChange) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Address != c.address {
			continue
		}
		before, bok := lookup(rc.Change.Before, c.attr)
		after, aok := lookup(rc.Change.After, c.attr)
		if !bok || !aok {
			resp.Error = fmt.Errorf("%s: the plan has no %s before and after the change", c.address, c.attr)
			return
		}
		if fmt.Sprint(before) != fmt.Sprint(c.before) || fmt.Sprint(after) != fmt.Sprint(c.after) {
			resp.Error = fmt.Errorf("%s.%s: planned %v -> %v, want %v -> %v", c.address, c.attr, before, after, c.before, c.after)
		}
		return
	}
	resp.Error = fmt.Errorf("the plan does not change %s", c.address)
}

func lookup(v any, dotted string) (any, bool) {
	for _, key := range strings.Split(dotted, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[key]; !ok {
			return nil, false
		}
	}
	return v, true
}

// checkEngine asserts on the engine's own view of the store, read outside
// Terraform.
func (e *testEnv) checkEngine(fn func(ctx context.Context, c client.Client) error) resource.TestCheckFunc {
	return func(*terraform.State) error { return e.engine(fn) }
}
