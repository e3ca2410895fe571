package policy

import (
	"context"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

// Compiled is a policy ready to sort detections into alert groups.
type Compiled struct {
	Policy   engine.Policy
	selector Selector
}

// Compile normalizes and validates a configuration and prepares its
// selector (for custom policies, compiles the condition).
func Compile(p engine.Policy) (*Compiled, error) {
	p, err := Normalize(p)
	if err != nil {
		return nil, err
	}
	plugin, _ := Lookup(p.Type)
	sel, err := plugin.Selector(p)
	if err != nil {
		return nil, err
	}
	return &Compiled{Policy: p, selector: sel}, nil
}

// Group returns the alert group a detection belongs to under this policy,
// or ok=false when the policy does not select it. Membership does not
// depend on severity or on whether the policy is enabled: a window's members
// are all its user's selected detections, whatever their level, and a policy
// enabled later sees the members it missed.
func (c *Compiled) Group(ctx context.Context, d *engine.Detection, key engine.DetectionKey) (g engine.GroupKey, ok bool, err error) {
	ok, err = c.selector(ctx, d)
	if err != nil || !ok {
		return g, false, err
	}
	if c.Policy.GroupBy == engine.GroupByUser {
		window := time.Duration(c.Policy.AggregationWindow)
		return engine.WindowGroup(c.Policy.ID(), d.UserID, WindowStart(d.ActivityDateTime, window), window), true, nil
	}
	return engine.DetectionGroup(c.Policy.ID(), key), true, nil
}

// Alerts reports whether a group whose highest member severity is sev
// raises an alert under this policy's threshold.
func (c *Compiled) Alerts(sev engine.Severity) bool {
	return sev.Reaches(c.Policy.Severity)
}
