package policy

import (
	"context"
	"fmt"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

// leakedCredentials alerts on each detection of leaked credentials: the
// user's valid credentials were found leaked. Default threshold low, so it
// receives all of them.
type leakedCredentials struct{}

func init() { Register(leakedCredentials{}) }

func (leakedCredentials) Type() string  { return engine.PolicyLeakedCredentials }
func (leakedCredentials) Builtin() bool { return true }

func (leakedCredentials) Complete(p engine.Policy) engine.Policy {
	if p.Severity == "" {
		p.Severity = engine.SeverityLow
	}
	p.GroupBy = engine.GroupByDetection
	return p
}

func (leakedCredentials) Default() engine.Policy {
	p, _ := engine.DefaultPolicy(engine.PolicyLeakedCredentials)
	return p
}

func (leakedCredentials) Validate(p engine.Policy) error {
	if p.Name != "" {
		return invalid("name", "only custom policies have a name")
	}
	if p.AggregationWindow != 0 {
		return invalid("aggregation_window", "leaked credentials alert on each detection, so they take no aggregation window")
	}
	if p.Condition != "" {
		return invalid("condition", "only custom policies have a condition")
	}
	return validateSeverity(p.Severity)
}

func (leakedCredentials) Selector(engine.Policy) (Selector, error) {
	return func(_ context.Context, d *engine.Detection) (bool, error) {
		return d.RiskEventType == engine.RiskEventLeakedCredentials, nil
	}, nil
}

func (leakedCredentials) unselected(_ engine.Policy, d *engine.Detection) string {
	return fmt.Sprintf("the policy selects only riskEventType %q, and the detection's is %q", engine.RiskEventLeakedCredentials, d.RiskEventType)
}
