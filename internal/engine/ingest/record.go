package ingest

import (
	"bytes"
	"fmt"
	"io"
	"os"
)

// DefaultMaxRecordBytes is the size above which a record is quarantined.
const DefaultMaxRecordBytes = 1 << 20

// Record is one record as read: its text, the line it starts on, and the
// stream offset just past it.
type Record struct {
	Raw  []byte
	Line int64
	End  int64
	// Spill holds the whole text of a record larger than the limit; Raw is
	// then nil. The record is quarantined, and the spill keeps every byte of
	// it without holding it in memory.
	Spill *Spill
	// Reason, when set, quarantines the record without decoding it: the
	// splitter already knows it is not a record (input that is no page).
	Reason string
}

// Spill is a record's text parked in a temporary file.
type Spill struct {
	file *os.File
	Size int64
}

// Open returns a reader over the whole text, from its start.
func (s *Spill) Open() (io.Reader, error) {
	if _, err := s.file.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return io.LimitReader(s.file, s.Size), nil
}

// Close removes the temporary file.
func (s *Spill) Close() error {
	name := s.file.Name()
	err := s.file.Close()
	if rmErr := os.Remove(name); err == nil {
		err = rmErr
	}
	return err
}

// recordBuf gathers one record's bytes, moving them to a spill file as soon
// as they exceed the limit, so memory stays bounded however large a record
// is.
type recordBuf struct {
	max   int
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
		n, err := r.spill.file.Write(p)
		r.spill.Size += int64(n)
		return err
	}
	if len(r.buf)+len(p) <= r.max {
		r.buf = append(r.buf, p...)
		return nil
	}
	f, err := os.CreateTemp("", "idp-oversize-record-*")
	if err != nil {
		return fmt.Errorf("parking an oversize record: %w", err)
	}
	r.spill = &Spill{file: f}
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
