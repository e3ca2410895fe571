package ingest

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"hash"
	"io"
	"os"

	"github.com/idp/terraform-provider-idp/internal/engine/tempfile"
)

// DefaultMaxRecordBytes is the size above which a record is quarantined.
const DefaultMaxRecordBytes = 1 << 20

// DefaultMaxKeptBytes bounds what the quarantine keeps of one record: a
// record larger than that (a file that never ends a line, /dev/zero) keeps
// its first DefaultMaxKeptBytes, its size and the SHA-256 of all of it.
// It is the largest batch `engine serve` accepts, so a pushed record is
// always kept whole.
const DefaultMaxKeptBytes = 256 << 20

// Record is one record as read: its text, the line it starts on, and the
// stream offset just past it.
type Record struct {
	Raw  []byte
	Line int64
	End  int64
	// Spill holds the text of a record larger than the limit; Raw is then
	// nil. The record is quarantined, and the spill keeps its bytes (up to
	// the kept maximum) without holding them in memory.
	Spill *Spill
	// Reason, when set, quarantines the record without decoding it: the
	// splitter already knows it is not a record (input that is no page).
	Reason string
}

// Spill is a record's text parked in a temporary file. The file is
// unlinked as soon as it is created, so that nothing is left behind
// however the process ends (kill -9 included): only its open descriptor
// keeps it.
type Spill struct {
	file *os.File
	// Size is the record's whole size; Kept how much of it the file holds,
	// from its start: less than Size when the record was larger than the
	// kept maximum.
	Size int64
	Kept int64
	max  int64
	sum  hash.Hash
}

// Open returns a reader over the kept text, from its start.
func (s *Spill) Open() (io.Reader, error) {
	if _, err := s.file.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return io.LimitReader(s.file, s.Kept), nil
}

// Truncated reports whether only the start of the record was kept.
func (s *Spill) Truncated() bool { return s.Kept < s.Size }

// Sum is the SHA-256 of the whole record, kept or not.
func (s *Spill) Sum() (sum [sha256.Size]byte) {
	s.sum.Sum(sum[:0])
	return sum
}

// Close releases the file (already unlinked).
func (s *Spill) Close() error { return s.file.Close() }

// newSpill creates a temporary file without a name, so that nothing is
// left behind whatever ends the process.
func newSpill(max int64) (*Spill, error) {
	f, err := tempfile.Unlinked("", "idp-oversize-record-*")
	if err != nil {
		return nil, fmt.Errorf("parking an oversize record: %w", err)
	}
	return &Spill{file: f, max: max, sum: sha256.New()}, nil
}

// write adds p to the record: all of it to the size and the digest, what
// fits under the kept maximum to the file.
func (s *Spill) write(p []byte) error {
	s.Size += int64(len(p))
	s.sum.Write(p)
	if room := s.max - s.Kept; room < int64(len(p)) {
		p = p[:max(room, 0)]
	}
	n, err := s.file.Write(p)
	s.Kept += int64(n)
	return err
}

// recordBuf gathers one record's bytes, moving them to a spill file as soon
// as they exceed the limit, so memory stays bounded however large a record
// is.
type recordBuf struct {
	max   int
	kept  int64 // the most a spill keeps
	buf   []byte
	spill *Spill
	// text is set once a non-whitespace byte was written: a record made of
	// whitespace alone is a blank line, whatever its length.
	text bool
}

func (r *recordBuf) reset() {
	r.buf = r.buf[:0]
	r.spill = nil
	r.text = false
}

func (r *recordBuf) write(p []byte) error {
	if !r.text {
		r.text = len(bytes.TrimLeft(p, " \t\r\n")) > 0
	}
	if r.spill != nil {
		return r.spill.write(p)
	}
	if len(r.buf)+len(p) <= r.max {
		r.buf = append(r.buf, p...)
		return nil
	}
	kept := r.kept
	if kept <= 0 {
		kept = DefaultMaxKeptBytes
	}
	spill, err := newSpill(max(kept, int64(r.max)))
	if err != nil {
		return err
	}
	r.spill = spill
	if err := r.write(r.buf); err != nil {
		return err
	}
	r.buf = r.buf[:0]
	return r.write(p)
}

func (r *recordBuf) writeByte(c byte) error {
	if !r.text && !isSpace(c) {
		r.text = true
	}
	if r.spill == nil && len(r.buf) < r.max {
		r.buf = append(r.buf, c)
		return nil
	}
	return r.write([]byte{c})
}

// blank reports whether the gathered text is only whitespace.
func (r *recordBuf) blank() bool {
	if r.blankSpill() {
		return true
	}
	return !r.text
}

// blankSpill drops a spill that turned out to hold only whitespace.
func (r *recordBuf) blankSpill() bool {
	if r.spill != nil && !r.text {
		r.spill.Close()
		r.spill = nil
		return true
	}
	return false
}

// record returns what was gathered; Raw aliases the buffer until reset.
func (r *recordBuf) record(line, end int64) Record {
	if r.spill != nil {
		return Record{Line: line, End: end, Spill: r.spill}
	}
	return Record{Raw: bytes.TrimRight(r.buf, "\r"), Line: line, End: end}
}
