package engine

import (
	"fmt"
	"time"
)

// QuarantineEntry is a record the engine refused, kept with the reason, so
// that nothing read is ever lost.
type QuarantineEntry struct {
	// ID names the entry, in the order entries were quarantined; the
	// whole text of an entry is read by its ID.
	ID     int64  `json:"id"`
	Reason string `json:"reason"`
	// Source names the input: a file path, "-" for stdin, "push" for a
	// pushed batch, "graph" for the Graph API.
	Source string `json:"source"`
	// Line is where the record starts in its source, counting from 1. For
	// the Graph API it is the record's position in the pull that read it,
	// counting from 1 across the pull's pages (a pull resumed after a crash
	// counts from 1 again).
	Line int64 `json:"line"`
	// Raw is the record's text: all of it, unless RawTruncated says that a
	// listing gave only its start (the text is then read whole by ID).
	Raw          string `json:"raw"`
	RawTruncated bool   `json:"raw_truncated,omitempty"`
	// Size is the length of the whole text in bytes.
	Size          int64     `json:"size"`
	QuarantinedAt time.Time `json:"quarantined_at"`
}

// QuarantineQuery selects a page of the quarantine, oldest first: at most
// Limit entries (0: all of them) with an ID above After, each with at most
// RawLimit bytes of its text (0: as much as the store gives a listing at
// once). Paging by ID rather than by offset costs the same on the last
// page as on the first. Count asks for the total too, which costs a scan
// of the quarantine's index: one reading every page asks on the first.
// Offset skips that many entries after After, for readers that number
// their pages (the console); it costs a walk of the index that long.
type QuarantineQuery struct {
	After    int64
	Offset   int
	Limit    int
	RawLimit int
	Count    bool
}

// Validate refuses negative values.
func (q QuarantineQuery) Validate() error {
	if q.After < 0 || q.Offset < 0 || q.Limit < 0 || q.RawLimit < 0 {
		return fmt.Errorf("%w: after, offset, limit and raw limit must be 0 or more", ErrInvalid)
	}
	return nil
}

// QuarantinePage is a page of the quarantine and, when the query asked for
// it, how many entries it holds in all (otherwise Total may be 0).
type QuarantinePage struct {
	Entries []QuarantineEntry `json:"entries"`
	Total   int               `json:"total,omitempty"`
}
