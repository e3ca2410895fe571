package engine

import "time"

// QuarantineEntry is a record the engine refused, kept whole with the reason,
// so that nothing read is ever lost.
type QuarantineEntry struct {
	Reason string `json:"reason"`
	// Source names the input: a file path, "-" for stdin, "push" for a
	// pushed batch, "graph" for the Graph API.
	Source string `json:"source"`
	// Line is where the record starts in its source, counting from 1. For
	// the Graph API it is the record's position in the pull that read it,
	// counting from 1 across the pull's pages (a pull resumed after a crash
	// counts from 1 again).
	Line          int64     `json:"line"`
	Raw           string    `json:"raw"`
	QuarantinedAt time.Time `json:"quarantined_at"`
}
