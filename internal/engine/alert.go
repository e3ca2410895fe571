package engine

import "time"

// AlertStatus is open while any member detection is still at risk.
type AlertStatus string

const (
	AlertOpen     AlertStatus = "open"
	AlertResolved AlertStatus = "resolved"
)

// AlertStatuses lists the statuses, for validators and descriptions.
var AlertStatuses = []AlertStatus{AlertOpen, AlertResolved}

// Alert is what a policy raises from one detection or from one user's
// detections in one window. Its ID is derived from the policy and the key,
// so every engine process computes the same one.
type Alert struct {
	// Group is the key the alert is stored under; ID is derived from it.
	Group             GroupKey    `json:"-"`
	ID                string      `json:"id"`
	Policy            string      `json:"policy"`
	Severity          Severity    `json:"severity"`
	Status            AlertStatus `json:"status"`
	UserID            string      `json:"user_id"`
	UserPrincipalName string      `json:"user_principal_name"`
	UserDisplayName   string      `json:"user_display_name"`
	DetectionCount    int         `json:"detection_count"`
	RiskEventTypes    []string    `json:"risk_event_types"`
	FirstSeen         time.Time   `json:"first_seen"`
	LastSeen          time.Time   `json:"last_seen"`
	CreatedAt         time.Time   `json:"created_at"`
	UpdatedAt         time.Time   `json:"updated_at"`
}

// AlertQuery filters alerts; zero fields do not filter. Since keeps alerts
// last seen at or after it, Until those first seen before it.
type AlertQuery struct {
	Policy            string
	MinSeverity       Severity
	Status            AlertStatus
	UserPrincipalName string
	Since             time.Time
	Until             time.Time
	// Limit caps the alerts returned; 0 returns all of them.
	Limit int
	// Offset skips that many matching alerts first (paging).
	Offset int
}

// AlertPage is the answer to an AlertQuery: the newest alerts first (by
// last_seen, then id) and the number that matched before the limit.
type AlertPage struct {
	Alerts []Alert `json:"alerts"`
	Total  int     `json:"total"`
}
