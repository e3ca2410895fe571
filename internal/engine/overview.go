package engine

import "time"

// OverviewQuery chooses what an Overview covers; zero fields take defaults.
type OverviewQuery struct {
	// Policy limits the chart and the open and resolved counts to one
	// policy ("" for all).
	Policy string
	// Days is how many days the chart shows (default 30).
	Days int
	// TopUsers is how many users most at risk to list (default 10).
	TopUsers int
}

// Overview is the engine at a glance, read in one snapshot: alerts per day
// and severity, open and resolved counts, the users with the most open
// alerts, the last sync and the quarantine's size. Every count covers the
// alerts that QueryAlerts can return (retention applied).
type Overview struct {
	Policy string
	// Days has one entry per day, oldest first, ending on the newest day
	// with alerts of the policy (today when there are none).
	Days     []DayCount
	Open     int64
	Resolved int64
	// Policies lists every policy that has alerts, with its counts.
	Policies []PolicyCount
	// TopUsers are the users with open alerts, the most open high-severity
	// alerts first, then medium, then low (all policies).
	TopUsers    []UserAlerts
	LastSync    *SyncRun
	Quarantined int
}

// DayCount is the alerts first seen on one day (UTC), by severity.
type DayCount struct {
	Day    time.Time
	Low    int64
	Medium int64
	High   int64
}

// Total is the day's alerts of every severity.
func (d DayCount) Total() int64 { return d.Low + d.Medium + d.High }

// PolicyCount is one policy's open and resolved alerts.
type PolicyCount struct {
	Policy   string
	Open     int64
	Resolved int64
}

// UserAlerts is one user's alerts: open ones by severity, and resolved ones.
type UserAlerts struct {
	UserID            string
	UserPrincipalName string
	UserDisplayName   string
	OpenHigh          int64
	OpenMedium        int64
	OpenLow           int64
	Resolved          int64
}

// Open is the user's open alerts of every severity.
func (u UserAlerts) Open() int64 { return u.OpenHigh + u.OpenMedium + u.OpenLow }

// UserDetail is what the engine knows of one user: their risk when a
// remediating policy set it (User.RiskLevel is empty otherwise) and their
// alerts.
type UserDetail struct {
	User
	UserDisplayName string
	// Remediated says a remediating policy set the user to high risk.
	Remediated bool
	Alerts     UserAlerts
}
