package engine

// Pages of the engine's logs and lists, for readers that show a part of
// them at a time (the console): each page is bounded by its limit, and
// Total says how many matched in all.

// RemediationQuery selects audit-log entries; zero fields do not filter.
type RemediationQuery struct {
	UserID  string
	AlertID string
	Offset  int
	// Limit caps the entries returned; 0 returns none (Total only).
	Limit int
}

// RemediationPage holds audit-log entries, newest first.
type RemediationPage struct {
	Entries []Remediation `json:"entries"`
	Total   int           `json:"total"`
}

// UserPage holds users at risk, the latest remediated first.
type UserPage struct {
	Users []User `json:"users"`
	Total int    `json:"total"`
}

// QuarantinePreview is a quarantine entry whose Raw holds only the start
// of its text; Size is the whole text's length in bytes.
type QuarantinePreview struct {
	QuarantineEntry
	Size int64 `json:"size"`
}

// QuarantinePage holds quarantine entries, newest first.
type QuarantinePage struct {
	Entries []QuarantinePreview `json:"entries"`
	Total   int                 `json:"total"`
}
