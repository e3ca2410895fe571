package engine

import (
	"fmt"
	"regexp"
	"slices"
	"time"
)

// The catalogue of policy types: their names, which are built in, their
// defaults and the bounds of their settings. The registry
// (internal/engine/policy) implements each type and reads its defaults
// from here; callers that must not load the registry (the provider's
// schema and the documentation generated from it) read them here too, so
// both say the same. A registry test keeps the two in step.

// Aggregation windows: Go durations from one hour to seven days.
const (
	DefaultAggregationWindow = 24 * time.Hour
	MinAggregationWindow     = time.Hour
	MaxAggregationWindow     = 7 * 24 * time.Hour
)

// PolicyNamePattern is what a custom policy's name must match: lower case
// so that two names never differ by case alone, since a name is the
// policy's ID in alerts, imports and --policy filters; at most 63
// characters.
const PolicyNamePattern = `^[a-z0-9][a-z0-9_.-]{0,62}$`

var policyNamePattern = regexp.MustCompile(PolicyNamePattern)

// policyDefaults is the configuration of a new policy of each type: for a
// built-in, what it has until tuned and again after destroy.
var policyDefaults = map[string]Policy{
	PolicyLeakedCredentials: {Type: PolicyLeakedCredentials, Enabled: true, Severity: SeverityLow, GroupBy: GroupByDetection},
	PolicyRiskySignIn: {Type: PolicyRiskySignIn, Enabled: true, Severity: SeverityHigh,
		AggregationWindow: Duration(DefaultAggregationWindow), GroupBy: GroupByUser},
	PolicyCustom: {Type: PolicyCustom, Enabled: true, Severity: SeverityLow, GroupBy: GroupByDetection},
}

// PolicyTypes lists the policy types, sorted.
func PolicyTypes() []string {
	out := make([]string, 0, len(policyDefaults))
	for t := range policyDefaults {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// BuiltinPolicyTypes lists the built-in types, sorted: every type but
// custom.
func BuiltinPolicyTypes() []string {
	return slices.DeleteFunc(PolicyTypes(), func(t string) bool { return t == PolicyCustom })
}

// IsBuiltinPolicy reports whether id names a built-in policy.
func IsBuiltinPolicy(id string) bool { return id != PolicyCustom && slices.Contains(PolicyTypes(), id) }

// DefaultPolicy is the configuration of a new policy of a type; ok is
// false for a type that does not exist.
func DefaultPolicy(typ string) (p Policy, ok bool) {
	p, ok = policyDefaults[typ]
	return p, ok
}

// ValidatePolicyName checks a custom policy's name: PolicyNamePattern,
// and not the name of a type (a built-in's ID is its type).
func ValidatePolicyName(name string) error {
	invalid := func(format string, args ...any) error {
		return &FieldError{Field: "name", Err: fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)}
	}
	switch {
	case name == "":
		return invalid("a custom policy needs a name")
	case !policyNamePattern.MatchString(name):
		return invalid("%q must be 1 to 63 characters of a-z, 0-9, '_', '.' and '-', starting with a letter or digit", name)
	case slices.Contains(PolicyTypes(), name):
		return invalid("%q is the name of a policy type, which custom policies cannot take", name)
	}
	return nil
}
