package engine

import "time"

// QuarantineEntry is a record the engine refused, kept whole with the reason,
// so that nothing read is ever lost.
type QuarantineEntry struct {
	Reason string `json:"reason"`
	// Source names the input: a file path, "-" for stdin, "push" for a
	// pushed batch, "graph" for the Graph API.
	Source string `json:"source"`
	// Line is where the record starts in its source, counting from 1.
	Line          int64     `json:"line"`
	Raw           string    `json:"raw"`
	QuarantinedAt time.Time `json:"quarantined_at"`
}
