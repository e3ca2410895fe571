package store

import (
	"errors"
	"io"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

// A quarantined record's text is stored in numbered parts, so that a record
// of any size is written and read back without being held in one value.
// The helpers below are the part logic every backend shares.

// QuarantinePartSize bounds what one part holds.
const QuarantinePartSize = 1 << 20

// WriteQuarantineParts reads raw to its end in parts of len(buf) bytes and
// hands each to put, numbered from 0; it returns the total size.
func WriteQuarantineParts(raw io.Reader, buf []byte, put func(part int, data []byte) error) (int64, error) {
	if raw == nil {
		return 0, nil
	}
	var size int64
	for part := 0; ; part++ {
		n, err := io.ReadFull(raw, buf)
		if n > 0 {
			if err := put(part, buf[:n]); err != nil {
				return size, err
			}
			size += int64(n)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return size, nil
		}
		if err != nil {
			return size, err
		}
	}
}

// QuarantineAssembler rebuilds entries from rows of (entry, part) read in
// entry then part order; an entry without parts has empty text.
type QuarantineAssembler struct {
	entries []engine.QuarantineEntry
	raw     []byte
	last    int64
}

// Add takes one row: the entry's sequence number and fields, and one part
// of its text (nil for an entry without parts).
func (a *QuarantineAssembler) Add(seq int64, reason, source string, line, quarantinedAt int64, data []byte) {
	if len(a.entries) == 0 || seq != a.last {
		a.flush()
		a.entries = append(a.entries, engine.QuarantineEntry{Reason: reason, Source: source, Line: line,
			QuarantinedAt: time.Unix(0, quarantinedAt).UTC()})
		a.last = seq
	}
	a.raw = append(a.raw, data...)
}

func (a *QuarantineAssembler) flush() {
	if len(a.entries) > 0 {
		a.entries[len(a.entries)-1].Raw = string(a.raw)
	}
	a.raw = a.raw[:0]
}

// Entries returns the entries, oldest first (never nil).
func (a *QuarantineAssembler) Entries() []engine.QuarantineEntry {
	a.flush()
	if a.entries == nil {
		return []engine.QuarantineEntry{}
	}
	return a.entries
}
