package policy

import (
	"bytes"
	"sort"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

// Aggregate computes the alert of a group from its members: severity is the
// highest member severity, the user fields come from the newest member
// (latest activity, ties broken by detection key so every process agrees),
// first and last seen span the members' activity, and the alert stays open
// while any member does. CreatedAt and UpdatedAt are left to the caller. It
// depends only on the set of members, never on their order.
func Aggregate(policyID string, g engine.GroupKey, members []engine.Member) engine.Alert {
	a := engine.Alert{Group: g, ID: g.AlertID(), Policy: policyID, Status: engine.AlertResolved, DetectionCount: len(members)}
	if len(members) == 0 {
		return a
	}
	types := map[string]bool{}
	maxRank := 0
	newest := &members[0]
	a.FirstSeen, a.LastSeen = newest.ActivityTime, newest.ActivityTime
	for i := range members {
		m := &members[i]
		if r := m.Severity.Rank(); r > maxRank {
			maxRank = r
		}
		if m.Open {
			a.Status = engine.AlertOpen
		}
		types[m.RiskEventType] = true
		if m.ActivityTime.Before(a.FirstSeen) {
			a.FirstSeen = m.ActivityTime
		}
		if m.ActivityTime.After(a.LastSeen) {
			a.LastSeen = m.ActivityTime
		}
		if newer(m, newest) {
			newest = m
		}
	}
	a.Severity = engine.SeverityOfRank(maxRank)
	a.UserID = newest.UserID
	a.UserPrincipalName = newest.UserPrincipalName
	a.UserDisplayName = newest.UserDisplayName
	a.RiskEventTypes = make([]string, 0, len(types))
	for t := range types {
		a.RiskEventTypes = append(a.RiskEventTypes, t)
	}
	sort.Strings(a.RiskEventTypes)
	a.FirstSeen = a.FirstSeen.UTC()
	a.LastSeen = a.LastSeen.UTC()
	return a
}

func newer(a, b *engine.Member) bool {
	if !a.ActivityTime.Equal(b.ActivityTime) {
		return a.ActivityTime.After(b.ActivityTime)
	}
	return bytes.Compare(a.Detection[:], b.Detection[:]) > 0
}
