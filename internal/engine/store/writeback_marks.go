package store

import "github.com/idp/terraform-provider-idp/internal/engine"

// WritebackMarks reads audit entries on their way in, in order, for the
// index behind PendingWriteback: the users an entry makes pending
// (engine.OutcomeApplied) and those it takes out (a later
// engine.OutcomeGraphConfirmed). A user's last such entry decides. Every
// backend keeps the index with this one rule.
func WritebackMarks(rs []engine.Remediation) (pending, confirmed []string) {
	last := map[string]bool{}
	var order []string
	for _, r := range rs {
		var isPending bool
		switch r.Outcome {
		case engine.OutcomeApplied:
			isPending = true
		case engine.OutcomeGraphConfirmed:
		default:
			continue
		}
		if _, seen := last[r.UserID]; !seen {
			order = append(order, r.UserID)
		}
		last[r.UserID] = isPending
	}
	for _, u := range order {
		if last[u] {
			pending = append(pending, u)
		} else {
			confirmed = append(confirmed, u)
		}
	}
	return pending, confirmed
}
