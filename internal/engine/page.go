package engine

// Pages of the engine's logs and lists, for readers that show a part of
// them at a time (the console): each page is bounded by its limit, and
// Total says how many matched in all.

// AuditLogQuery selects audit-log entries; zero fields do not filter.
type AuditLogQuery struct {
	UserID  string
	AlertID string
	Offset  int
	// Limit caps the entries returned; 0 returns none (Total only).
	Limit int
}

// AuditLogPage holds audit-log entries, newest first.
type AuditLogPage struct {
	Entries []Remediation `json:"entries"`
	Total   int           `json:"total"`
}
