package policy

import (
	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/policy/condition"
)

// custom policies are written by their users: a CEL condition selects the
// detections, and the policy alerts on each one or per user and window.
// Defaults: group_by detection, threshold low (every ranked detection the
// condition selects alerts), window 24h when grouped by user.
type custom struct{}

func init() { Register(custom{}) }

// MaxCustomPolicies caps the custom policies an engine holds: every one
// is evaluated on every detection ingested, each within its time budget,
// so their number bounds the time one detection can take.
const MaxCustomPolicies = 100

// NamePattern is what a custom policy's name must match (the engine's
// catalogue says why).
const NamePattern = engine.PolicyNamePattern

func (custom) Type() string  { return engine.PolicyCustom }
func (custom) Builtin() bool { return false }

func (custom) Complete(p engine.Policy) engine.Policy {
	if p.Severity == "" {
		p.Severity = engine.SeverityLow
	}
	if p.GroupBy == "" {
		p.GroupBy = engine.GroupByDetection
	}
	if p.GroupBy == engine.GroupByUser && p.AggregationWindow == 0 {
		p.AggregationWindow = engine.Duration(DefaultAggregationWindow)
	}
	return p
}

func (custom) Default() engine.Policy {
	p, _ := engine.DefaultPolicy(engine.PolicyCustom)
	return p
}

func (custom) Validate(p engine.Policy) error {
	if err := ValidateName(p.Name); err != nil {
		return err
	}
	if _, err := compileCondition(p.Condition); err != nil {
		return err
	}
	switch p.GroupBy {
	case engine.GroupByDetection:
		if p.AggregationWindow != 0 {
			return invalid("aggregation_window", "a policy grouped by detection alerts on each detection, so it takes no aggregation window (set group_by = %q to aggregate)", engine.GroupByUser)
		}
	case engine.GroupByUser:
		if err := validateWindow(p.AggregationWindow); err != nil {
			return err
		}
	default:
		return invalid("group_by", "%q is not one of %q, %q", p.GroupBy, engine.GroupByDetection, engine.GroupByUser)
	}
	return validateSeverity(p.Severity)
}

func (custom) Selector(p engine.Policy) (Selector, error) {
	c, err := compileCondition(p.Condition)
	if err != nil {
		return nil, err
	}
	return c.Match, nil
}

// ValidateName checks a custom policy's name: required, NamePattern, and
// not a policy type, because a built-in's ID is its type and the two would
// share alerts, imports and the stored row.
func ValidateName(name string) error { return engine.ValidatePolicyName(name) }

func compileCondition(expr string) (*condition.Condition, error) {
	c, err := condition.Compile(expr)
	if err != nil {
		return nil, &engine.FieldError{Field: "condition", Err: err}
	}
	return c, nil
}

func (custom) unselected(engine.Policy, *engine.Detection) string {
	return "the condition did not match"
}
