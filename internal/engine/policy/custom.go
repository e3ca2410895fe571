package policy

import (
	"regexp"
	"slices"

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

// NamePattern is what a custom policy's name must match: lower case so that
// two names never differ by case alone, since a name is the policy's ID in
// alerts, imports and --policy filters; at most 63 characters.
const NamePattern = `^[a-z0-9][a-z0-9_.-]{0,62}$`

var namePattern = regexp.MustCompile(NamePattern)

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
	return engine.Policy{Type: engine.PolicyCustom, Enabled: true, Severity: engine.SeverityLow, GroupBy: engine.GroupByDetection}
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
func ValidateName(name string) error {
	switch {
	case name == "":
		return invalid("name", "a custom policy needs a name")
	case !namePattern.MatchString(name):
		return invalid("name", "%q must be 1 to 63 characters of a-z, 0-9, '_', '.' and '-', starting with a letter or digit", name)
	case slices.Contains(Types(), name):
		return invalid("name", "%q is the name of a policy type, which custom policies cannot take", name)
	}
	return nil
}

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
