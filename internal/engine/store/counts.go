package store

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

// The console's overview must not scan the alerts: at a million alerts a
// scan takes seconds. The store therefore keeps running counts beside them,
// which the engine moves by what each transaction changed (an alert
// written adds, the copy it replaced or deleted subtracts). Counts are
// per policy, day (of first_seen, UTC), severity and status, and per user
// (open alerts by severity, resolved alerts). The counts include alerts
// past retention that are not purged yet: readers subtract those
// (Reader.ExpiredAlertCounts) so that counts agree with QueryAlerts.

// DayKey is one running count of alerts.
type DayKey struct {
	Policy string
	// Day is days since the Unix epoch, UTC.
	Day      int64
	Severity engine.Severity
	Status   engine.AlertStatus
}

// UserCount is one user's running counts of alerts.
type UserCount struct {
	UserID            string
	UserPrincipalName string
	UserDisplayName   string
	// Open counts open alerts by severity rank (index 1 low to 3 high;
	// index 0 holds alerts without a ranked severity).
	Open     [4]int64
	Resolved int64
}

// OpenTotal is the user's open alerts of every severity.
func (u UserCount) OpenTotal() int64 { return u.Open[0] + u.Open[1] + u.Open[2] + u.Open[3] }

// Minus is u with o's counts taken out (names kept).
func (u UserCount) Minus(o UserCount) UserCount {
	for i := range u.Open {
		u.Open[i] -= o.Open[i]
	}
	u.Resolved -= o.Resolved
	return u
}

// AlertCounts is a change to the running counts, or a set of them.
type AlertCounts struct {
	Days  map[DayKey]int64
	Users map[string]*UserCount
}

// DayOf is the day an alert is counted on.
func DayOf(t time.Time) int64 {
	s := t.Unix()
	d := s / 86400
	if s%86400 < 0 {
		d--
	}
	return d
}

// Add counts an alert once (sign 1) or takes it out (sign -1).
func (c *AlertCounts) Add(a engine.Alert, sign int64) {
	if c.Days == nil {
		c.Days = map[DayKey]int64{}
		c.Users = map[string]*UserCount{}
	}
	c.Days[DayKey{Policy: a.Policy, Day: DayOf(a.FirstSeen), Severity: a.Severity, Status: a.Status}] += sign
	u := c.Users[a.UserID]
	if u == nil {
		u = &UserCount{UserID: a.UserID}
		c.Users[a.UserID] = u
	}
	if sign > 0 {
		// Names follow the alerts written last: a user's newest alert
		// carries their newest name. A change that only takes alerts out
		// leaves the names empty, which writers read as "keep".
		u.UserPrincipalName, u.UserDisplayName = a.UserPrincipalName, a.UserDisplayName
	}
	if a.Status == engine.AlertOpen {
		u.Open[a.Severity.Rank()] += sign
	} else {
		u.Resolved += sign
	}
}

// Merge adds other's counts to c, times sign (1 adds, -1 subtracts).
func (c *AlertCounts) Merge(other AlertCounts, sign int64) {
	if c.Days == nil {
		c.Days = map[DayKey]int64{}
		c.Users = map[string]*UserCount{}
	}
	for k, n := range other.Days {
		c.Days[k] += sign * n
	}
	for id, o := range other.Users {
		u := c.Users[id]
		if u == nil {
			u = &UserCount{UserID: id}
			c.Users[id] = u
		}
		if sign > 0 && (o.UserPrincipalName != "" || o.UserDisplayName != "") {
			u.UserPrincipalName, u.UserDisplayName = o.UserPrincipalName, o.UserDisplayName
		}
		for i := range u.Open {
			u.Open[i] += sign * o.Open[i]
		}
		u.Resolved += sign * o.Resolved
	}
}

// DayCount is the number of alerts of one day and severity, summed over
// the policies and statuses asked for.
type DayCount struct {
	Day      int64
	Severity engine.Severity
	N        int64
}

// PolicyTotal is the number of alerts of one policy and status.
type PolicyTotal struct {
	Policy string
	Status engine.AlertStatus
	N      int64
}

// DayDelta is one running count's change.
type DayDelta struct {
	Key DayKey
	N   int64
}

// SortedDays lists the day counts that change, in key order: writers
// write in one order everywhere, so concurrent writers never deadlock on
// the counts.
func SortedDays(c AlertCounts) []DayDelta {
	out := make([]DayDelta, 0, len(c.Days))
	for k, n := range c.Days {
		if n != 0 {
			out = append(out, DayDelta{Key: k, N: n})
		}
	}
	slices.SortFunc(out, func(a, b DayDelta) int {
		return cmp.Or(strings.Compare(a.Key.Policy, b.Key.Policy), cmp.Compare(a.Key.Day, b.Key.Day),
			cmp.Compare(a.Key.Severity.Rank(), b.Key.Severity.Rank()), strings.Compare(string(a.Key.Status), string(b.Key.Status)))
	})
	return out
}

// SortedUsers lists the user counts that change (a count, or the names),
// by user id.
func SortedUsers(c AlertCounts) []*UserCount {
	out := make([]*UserCount, 0, len(c.Users))
	for _, u := range c.Users {
		if u.OpenTotal() != 0 || u.Resolved != 0 || u.UserPrincipalName != "" || u.UserDisplayName != "" {
			out = append(out, u)
		}
	}
	slices.SortFunc(out, func(a, b *UserCount) int { return strings.Compare(a.UserID, b.UserID) })
	return out
}
