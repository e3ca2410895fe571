package alerting

import (
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/policy"
	"github.com/idp/terraform-provider-idp/internal/engine/remediate"
)

// Change is what one unit does to one group: members it adds or replaces
// and members it removes. A per-detection group has at most one member,
// the detection itself.
type Change struct {
	Upserts []engine.Member
	// Removed are detections a newer copy moved out of the group.
	Removed []engine.DetectionKey
	// Fresh is set when the group cannot have existed before this unit (the
	// group of a detection never seen): it has no stored members or alert,
	// so the caller need not look them up.
	Fresh bool
}

// Input is everything Reconcile decides from.
type Input struct {
	Changes map[engine.GroupKey]*Change
	// Members are the stored members of the changed window groups, before
	// the changes (per-detection groups need none: their change holds
	// their only member).
	Members map[engine.GroupKey][]engine.Member
	// Alerts are the stored alerts of the changed groups.
	Alerts   map[engine.GroupKey]engine.Alert
	Policies []*policy.Compiled
	// Now stamps the alerts created or updated.
	Now time.Time
}

// Result is what Reconcile decided. Puts and Deletes are in no particular
// order.
type Result struct {
	Puts    []engine.Alert
	Deletes []engine.GroupKey
	// Candidates are the open alerts of remediating policies that were
	// created or changed: remediate.Plan decides which users they raise.
	Candidates []remediate.Candidate
	Created    int64
	Updated    int64
}

// Reconcile brings the alert of every changed group in line with its
// members and its policy as it is now. A group whose policy is disabled or
// gone keeps its alert as it is. A group whose members no longer reach the
// policy's threshold loses its alert. An alert whose members decide the
// same fields as before is left alone, timestamps included.
func Reconcile(in Input) Result {
	byTag := make(map[engine.PolicyTag]*policy.Compiled, len(in.Policies))
	for _, c := range in.Policies {
		byTag[engine.PolicyTagOf(c.Policy.ID())] = c
	}
	var out Result
	for g, ch := range in.Changes {
		c := byTag[g.Policy()]
		if c == nil || !c.Policy.Enabled {
			// A disabled (or deleted) policy makes no new alerts and keeps
			// its old ones as they are.
			continue
		}
		ms := mergeMembers(in.Members[g], ch)
		a := policy.Aggregate(c.Policy.ID(), g, ms)
		old, had := in.Alerts[g]
		if len(ms) == 0 || !c.Alerts(a.Severity) {
			if had {
				out.Deletes = append(out.Deletes, g)
			}
			continue
		}
		switch {
		case !had:
			a.CreatedAt, a.UpdatedAt = in.Now, in.Now
			out.Created++
		case sameAlert(old, a):
			continue
		default:
			a.CreatedAt, a.UpdatedAt = old.CreatedAt, in.Now
			out.Updated++
		}
		out.Puts = append(out.Puts, a)
		if a.Status == engine.AlertOpen && c.Policy.RemediateRiskyUsers {
			out.Candidates = append(out.Candidates, remediate.Candidate{AlertID: a.ID, Policy: a.Policy, UserID: a.UserID, UserPrincipalName: a.UserPrincipalName})
		}
	}
	return out
}

// mergeMembers applies a unit's change to a group's stored members (none
// for a per-detection group, whose only member is in the change).
func mergeMembers(stored []engine.Member, ch *Change) []engine.Member {
	if len(stored) == 0 {
		// Most groups: the change holds all of them, read only from here.
		return ch.Upserts
	}
	drop := make(map[engine.DetectionKey]bool, len(ch.Removed)+len(ch.Upserts))
	for _, d := range ch.Removed {
		drop[d] = true
	}
	for i := range ch.Upserts {
		drop[ch.Upserts[i].Detection] = true
	}
	out := make([]engine.Member, 0, len(stored)+len(ch.Upserts))
	for _, m := range stored {
		if !drop[m.Detection] {
			out = append(out, m)
		}
	}
	return append(out, ch.Upserts...)
}

// sameAlert compares what members decide, not the engine's timestamps.
func sameAlert(a, b engine.Alert) bool {
	if a.Severity != b.Severity || a.Status != b.Status || a.UserID != b.UserID ||
		a.UserPrincipalName != b.UserPrincipalName || a.UserDisplayName != b.UserDisplayName ||
		a.DetectionCount != b.DetectionCount || !a.FirstSeen.Equal(b.FirstSeen) || !a.LastSeen.Equal(b.LastSeen) ||
		len(a.RiskEventTypes) != len(b.RiskEventTypes) || a.Policy != b.Policy {
		return false
	}
	for i := range a.RiskEventTypes {
		if a.RiskEventTypes[i] != b.RiskEventTypes[i] {
			return false
		}
	}
	return true
}
