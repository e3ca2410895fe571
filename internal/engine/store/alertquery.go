package store

import (
	"math"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

// How both backends answer an alert query (Reader.QueryAlerts) at a
// million alerts without reading them all. The page comes from an index in
// the page's order (migration 0006). The total is the costly part:
//
//   - a query on policy, severity and status alone, the one a data source
//     or the console asks most, takes its total from the running counts
//     (counts.go), less the alerts retention hides but has not purged
//     yet, which an index on updated_at finds;
//   - a query on a user counts that user's alerts, a few hundred at most;
//   - a time range counts the alerts last seen in [since, until + the
//     longest span ever written), reading an index alone.
//
// The running counts are kept by the engine, in the transaction that
// writes the alerts (AlertCounts): a writer that skips them makes totals
// wrong, which the conformance suite (QueryAlertTotals) would show.

// TotalFromCounts says whether the running counts can give q's total: they
// count by policy, severity and status, and by nothing else a query names.
func TotalFromCounts(q engine.AlertQuery) bool {
	return q.UserPrincipalName == "" && q.Since.IsZero() && q.Until.IsZero()
}

// LastSeenBefore is the bound on last_seen that a query with an until
// implies, given the longest span of any stored alert (Unix nanoseconds):
// an alert first seen before until is last seen before until + longest.
// ok is false when there is no until, or the bound would not fit in
// Unix nanoseconds.
func LastSeenBefore(until time.Time, longest int64) (bound int64, ok bool) {
	if until.IsZero() {
		return 0, false
	}
	u := until.UnixNano()
	longest = max(longest, 0)
	if u > math.MaxInt64-longest {
		return 0, false
	}
	return u + longest, true
}

// LongestSpan is the longest time between first and last seen of the
// alerts, in Unix nanoseconds, for the bound LastSeenBefore needs.
func LongestSpan(as []engine.Alert) int64 {
	var longest int64
	for _, a := range as {
		longest = max(longest, a.LastSeen.UnixNano()-a.FirstSeen.UnixNano())
	}
	return longest
}
