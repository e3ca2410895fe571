package ingest

import (
	"bytes"
	"errors"
	"io"
)

// byteStream is a buffered reader that keeps count of the offset and the
// line it is at, and lets the splitters look ahead without consuming.
type byteStream struct {
	r      io.Reader
	buf    []byte
	pos    int
	end    int
	offset int64 // stream offset of buf[pos]
	line   int64 // line number of buf[pos], from 1
	err    error // sticky read error (io.EOF at the end)
}

func newByteStream(r io.Reader, size int, startOffset int64) *byteStream {
	return &byteStream{r: r, buf: make([]byte, size), offset: startOffset, line: 1}
}

// fill reads more input when the buffer is empty, keeping nothing of the
// consumed part. It returns false at the end of input or on error.
func (s *byteStream) fill() bool {
	if s.pos < s.end {
		return true
	}
	if s.err != nil {
		return false
	}
	s.pos, s.end = 0, 0
	for s.end == 0 && s.err == nil {
		n, err := s.r.Read(s.buf)
		s.end = n
		if err != nil {
			s.err = err
		}
	}
	return s.end > 0
}

// peekFill makes at least min bytes visible (or all that is left) without
// consuming them, moving the unread bytes to the front of the buffer.
func (s *byteStream) peekFill(min int) []byte {
	if min > len(s.buf) {
		min = len(s.buf)
	}
	if s.end-s.pos < min && s.err == nil {
		copy(s.buf, s.buf[s.pos:s.end])
		s.end -= s.pos
		s.pos = 0
		for s.end < min && s.err == nil {
			n, err := s.r.Read(s.buf[s.end:])
			s.end += n
			if err != nil {
				s.err = err
			}
		}
	}
	return s.buf[s.pos:s.end]
}

// readByte consumes one byte; ok is false at the end of input.
func (s *byteStream) readByte() (c byte, ok bool) {
	if s.pos >= s.end && !s.fill() {
		return 0, false
	}
	c = s.buf[s.pos]
	s.pos++
	s.offset++
	if c == '\n' {
		s.line++
	}
	return c, true
}

// peekByte looks at the next byte without consuming it.
func (s *byteStream) peekByte() (c byte, ok bool) {
	if s.pos >= s.end && !s.fill() {
		return 0, false
	}
	return s.buf[s.pos], true
}

// skipSpace consumes JSON whitespace.
func (s *byteStream) skipSpace() {
	for {
		c, ok := s.peekByte()
		if !ok || !isSpace(c) {
			return
		}
		s.readByte()
	}
}

// readLine appends the bytes up to (not including) the next newline to rec,
// consumes the newline, and reports whether a line was there at all.
func (s *byteStream) readLine(rec *recordBuf) (bool, error) {
	any := false
	for {
		if s.pos >= s.end && !s.fill() {
			return any, s.readErr()
		}
		any = true
		chunk := s.buf[s.pos:s.end]
		i := bytes.IndexByte(chunk, '\n')
		if i >= 0 {
			chunk = chunk[:i]
		}
		if err := rec.write(chunk); err != nil {
			return true, err
		}
		s.pos += len(chunk)
		s.offset += int64(len(chunk))
		if i >= 0 {
			s.pos++
			s.offset++
			s.line++
			return true, nil
		}
	}
}

// readErr is nil at a clean end of input and the read error otherwise.
func (s *byteStream) readErr() error {
	if errors.Is(s.err, io.EOF) {
		return nil
	}
	return s.err
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
