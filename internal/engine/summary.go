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
