package engine

// IngestSummary counts what one ingest did. Read always equals Accepted +
// Updated + Duplicates + Quarantined.
type IngestSummary struct {
	Read            int64   `json:"read"`
	Accepted        int64   `json:"accepted"`
	Updated         int64   `json:"updated"`
	Duplicates      int64   `json:"duplicates"`
	Quarantined     int64   `json:"quarantined"`
	AlertsCreated   int64   `json:"alerts_created"`
	AlertsUpdated   int64   `json:"alerts_updated"`
	UsersRemediated int64   `json:"users_remediated"`
	ElapsedSeconds  float64 `json:"elapsed_seconds"`
}

// Add accumulates another summary's counts (elapsed time excepted).
func (s *IngestSummary) Add(o IngestSummary) {
	s.Read += o.Read
	s.Accepted += o.Accepted
	s.Updated += o.Updated
	s.Duplicates += o.Duplicates
	s.Quarantined += o.Quarantined
	s.AlertsCreated += o.AlertsCreated
	s.AlertsUpdated += o.AlertsUpdated
	s.UsersRemediated += o.UsersRemediated
}

// WritebackSummary counts what one sync wrote back to Microsoft Graph. It
// is kept apart from IngestSummary, whose fields the command line's output
// fixes.
type WritebackSummary struct {
	// Confirmed users were accepted by riskyUsers/confirmCompromised.
	Confirmed int64 `json:"confirmed"`
	// Failed users were refused or could not be sent; a later sync retries
	// them.
	Failed int64 `json:"failed"`
	// Deferred users are waiting and were not sent by this sync: their
	// last failure is too recent, or another process is writing back.
	Deferred int64 `json:"deferred"`
}

// SyncSummary is what one sync of the configured source did: the ingest,
// and the write-back when the source has one.
type SyncSummary struct {
	Ingest    IngestSummary     `json:"ingest"`
	Writeback *WritebackSummary `json:"writeback,omitempty"`
}
