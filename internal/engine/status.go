package engine

import "time"

// Status is what the engine can say about itself without processing
// anything: when it last processed its configured source, and whether
// anything was ever configured in its store.
type Status struct {
	// LastSync is the newest sync of the configured source that finished,
	// successfully or not; nil when none ever did.
	LastSync *SyncRun `json:"last_sync,omitempty"`
	// Configured says the store holds settings that someone wrote (the
	// integration, a policy, a claim). A store that holds none is new, or
	// was replaced: the provider warns when its state says otherwise.
	Configured bool `json:"configured"`
	// Claimed lists the singletons a Terraform resource manages: ClaimIntegration
	// and ClaimPolicy(type) names, sorted.
	Claimed []string `json:"claimed"`
}

// SyncRun is one finished sync of the configured source.
type SyncRun struct {
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	// Error is empty when the sync succeeded; otherwise why it stopped.
	// What it committed before it stopped stays committed.
	Error   string      `json:"error,omitempty"`
	Summary SyncSummary `json:"summary"`
}

// OK reports whether the sync succeeded.
func (r SyncRun) OK() bool { return r.Error == "" }
