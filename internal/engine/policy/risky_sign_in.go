package policy

import (
	"context"
	"fmt"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

// riskySignIn aggregates a user's risky sign-ins, sign-ins that were
// probably not performed by the user, into one alert per window. Default
// threshold high: only windows with a high detection alert.
type riskySignIn struct{}

func init() { Register(riskySignIn{}) }

func (riskySignIn) Type() string  { return engine.PolicyRiskySignIn }
func (riskySignIn) Builtin() bool { return true }

func (riskySignIn) Complete(p engine.Policy) engine.Policy {
	if p.Severity == "" {
		p.Severity = engine.SeverityHigh
	}
	if p.AggregationWindow == 0 {
		p.AggregationWindow = engine.Duration(DefaultAggregationWindow)
	}
	p.GroupBy = engine.GroupByUser
	return p
}

func (riskySignIn) Default() engine.Policy {
	p, _ := engine.DefaultPolicy(engine.PolicyRiskySignIn)
	return p
}

func (riskySignIn) Validate(p engine.Policy) error {
	if p.Name != "" {
		return invalid("name", "only custom policies have a name")
	}
	if p.Condition != "" {
		return invalid("condition", "only custom policies have a condition")
	}
	if err := validateSeverity(p.Severity); err != nil {
		return err
	}
	return validateWindow(p.AggregationWindow)
}

func (riskySignIn) Selector(engine.Policy) (Selector, error) {
	return func(_ context.Context, d *engine.Detection) (bool, error) {
		return d.Activity == engine.ActivitySignIn && d.RiskEventType != engine.RiskEventLeakedCredentials, nil
	}, nil
}

func (riskySignIn) unselected(_ engine.Policy, d *engine.Detection) string {
	if d.RiskEventType == engine.RiskEventLeakedCredentials {
		return fmt.Sprintf("the policy leaves riskEventType %q to the %s policy", engine.RiskEventLeakedCredentials, engine.PolicyLeakedCredentials)
	}
	return fmt.Sprintf("the policy selects only detections with activity %q, and the detection's is %q", engine.ActivitySignIn, d.Activity)
}
