package store

import (
	"math"
	"strings"
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

// AlertFilter builds the WHERE clause of an alert query once for both
// backends: it collects conditions joined by AND and their arguments, each
// named by the backend's placeholder for the nth argument (? or $n).
type AlertFilter struct {
	placeholder func(n int) string
	conds       []string
	args        []any
}

// NewAlertFilter starts an empty filter in a backend's placeholder style.
func NewAlertFilter(placeholder func(n int) string) *AlertFilter {
	return &AlertFilter{placeholder: placeholder}
}

// Add adds the condition `expr op placeholder` with its argument v.
func (f *AlertFilter) Add(expr, op string, v any) {
	f.conds = append(f.conds, expr+` `+op+` `+f.Arg(v))
}

// AddSQL adds a condition that takes no argument.
func (f *AlertFilter) AddSQL(cond string) {
	f.conds = append(f.conds, cond)
}

// Arg appends an argument used outside the conditions, such as a limit,
// and returns its placeholder.
func (f *AlertFilter) Arg(v any) string {
	f.args = append(f.args, v)
	return f.placeholder(len(f.args))
}

// Where is the conditions joined by AND.
func (f *AlertFilter) Where() string { return strings.Join(f.conds, ` AND `) }

// Args is the arguments, in placeholder order.
func (f *AlertFilter) Args() []any { return f.args }

// AddCounted adds the conditions of q that the running counts answer
// (policy, severity, status), prefix written before each column: SQLite
// passes a unary + to keep them off their indexes.
func (f *AlertFilter) AddCounted(q engine.AlertQuery, prefix string) {
	if q.Policy != "" {
		f.Add(prefix+`policy`, `=`, q.Policy)
	}
	if q.MinSeverity != "" {
		f.Add(prefix+`severity`, `>=`, q.MinSeverity.Rank())
	}
	if q.Status != "" {
		f.Add(prefix+`status`, `=`, string(q.Status))
	}
}

// AddQuery adds every condition of q. longest reads the longest span of
// any stored alert (LastSeenBefore), and is called only when q has an
// until.
func (f *AlertFilter) AddQuery(q engine.AlertQuery, longest func() (int64, error)) error {
	f.AddCounted(q, ``)
	if q.UserPrincipalName != "" {
		// User principal names are case-insensitive in Entra ID, in every
		// script: compared folded, as every backend folds them.
		f.Add(`upn_folded`, `=`, engine.FoldUserPrincipalName(q.UserPrincipalName))
	}
	if !q.Since.IsZero() {
		f.Add(`last_seen`, `>=`, q.Since.UnixNano())
	}
	if !q.Until.IsZero() {
		f.Add(`first_seen`, `<`, q.Until.UnixNano())
		n, err := longest()
		if err != nil {
			return err
		}
		if bound, ok := LastSeenBefore(q.Until, n); ok {
			f.Add(`last_seen`, `<`, bound)
		}
	}
	return nil
}
