package engine

import "time"

// Enforced actions, in the order they are listed.
const (
	ActionResetPassword        = "reset_password"
	ActionRequireMFA           = "require_mfa"
	ActionRequireManagedDevice = "require_managed_device"
)

// User risk set by remediation.
const (
	UserRiskHigh                 = "high"
	UserRiskConfirmedCompromised = "confirmedCompromised"
)

// User is a user at risk: one that a remediating policy set to high risk,
// with the actions user risk analytics enforces on them now.
type User struct {
	UserID            string    `json:"user_id"`
	UserPrincipalName string    `json:"user_principal_name"`
	RiskLevel         string    `json:"risk_level"`
	RiskState         string    `json:"risk_state"`
	ManagedDevice     bool      `json:"managed_device"`
	Actions           []string  `json:"actions"`
	RemediatedAt      time.Time `json:"remediated_at"`
}

// UserRisk is the risk remediation set on a user, as stored: User is what
// readers see of it, with the actions enforced today.
type UserRisk struct {
	UserID            string
	UserPrincipalName string
	RiskLevel         string
	RiskState         string
	RemediatedAt      time.Time
}

// Remediation is one entry of the append-only audit log.
type Remediation struct {
	Time    time.Time `json:"time"`
	UserID  string    `json:"user_id"`
	AlertID string    `json:"alert_id"`
	Policy  string    `json:"policy"`
	Actions []string  `json:"actions"`
	Outcome string    `json:"outcome"`
}

// Remediation outcomes. The log is append-only, so a remediation written
// back to Microsoft Graph shows as its "applied" entry followed by entries
// for each write-back attempt, which repeat the applied entry's alert and
// policy and carry no actions (Graph enforces none of them).
const (
	OutcomeApplied = "applied" // the engine set the user to high risk
	// OutcomeGraphConfirmed: Identity Protection accepted the user in
	// riskyUsers/confirmCompromised (write-back).
	OutcomeGraphConfirmed = "graph_confirmed"
	// OutcomeGraphWritebackFailed starts the outcome of a failed
	// write-back, written "graph_writeback_failed: <message> (attempts N)",
	// N being the requests sent (0 when the batch was not sent, after a
	// 403 on an earlier batch). A later sync retries the user.
	OutcomeGraphWritebackFailed = "graph_writeback_failed"
)
