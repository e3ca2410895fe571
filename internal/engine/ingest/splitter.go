package ingest

import (
	"bytes"
	"io"
)

// Splitter cuts an input into records.
type Splitter interface {
	// Next returns the next record, or io.EOF after the last one. The
	// record's Raw is valid until the next call.
	Next() (Record, error)
	// Safe is the offset from which reading can resume without losing a
	// record, once every record returned so far is committed.
	Safe() int64
}

// Format of an input, detected from its content.
type Format int

const (
	FormatNDJSON     Format = iota // one object a line
	FormatGraphPages               // {"value":[...], "@odata.nextLink": ...} objects
)

func (f Format) String() string {
	if f == FormatGraphPages {
		return "graph pages"
	}
	return "ndjson"
}

const streamBufferSize = 1 << 20

// NewSplitter detects the format of r and returns the splitter for it.
// startOffset is where r starts in its source (a cursor), so that offsets
// and Safe count from the start of the file.
func NewSplitter(r io.Reader, maxRecord int, startOffset int64) (Splitter, Format) {
	return newSplitter(r, maxRecord, DefaultMaxKeptBytes, startOffset)
}

// newSplitter is NewSplitter with the most a spill keeps of one record.
func newSplitter(r io.Reader, maxRecord int, maxKept int64, startOffset int64) (Splitter, Format) {
	if maxRecord <= 0 {
		maxRecord = DefaultMaxRecordBytes
	}
	s := newByteStream(r, streamBufferSize, startOffset)
	skipBOM(s)
	rec := &recordBuf{max: maxRecord, kept: maxKept}
	if detectFormat(s) == FormatGraphPages {
		return &pageSplitter{s: s, rec: rec, safe: s.offset}, FormatGraphPages
	}
	return &lineSplitter{s: s, rec: rec, safe: s.offset}, FormatNDJSON
}

func skipBOM(s *byteStream) {
	if bytes.HasPrefix(s.peekFill(3), []byte("\xef\xbb\xbf")) {
		s.pos += 3
		s.offset += 3
	}
}

// detectFormat looks at the first key of the first object: Graph pages
// start with "value" or an "@odata." annotation; records never do.
func detectFormat(s *byteStream) Format {
	head := s.peekFill(64 << 10)
	head = bytes.TrimLeft(head, " \t\r\n")
	if len(head) == 0 || head[0] != '{' {
		return FormatNDJSON
	}
	head = bytes.TrimLeft(head[1:], " \t\r\n")
	if bytes.HasPrefix(head, []byte(`"value"`)) || bytes.HasPrefix(head, []byte(`"@odata.`)) {
		return FormatGraphPages
	}
	return FormatNDJSON
}

// lineSplitter reads NDJSON: one record a line, blank lines skipped.
type lineSplitter struct {
	s    *byteStream
	rec  *recordBuf
	safe int64
}

func (l *lineSplitter) Safe() int64 { return l.safe }

func (l *lineSplitter) Next() (Record, error) {
	for {
		l.safe = l.s.offset
		l.rec.reset()
		line := l.s.line
		got, err := l.s.readLine(l.rec)
		if err != nil {
			return Record{}, err
		}
		if !got {
			return Record{}, io.EOF
		}
		l.safe = l.s.offset
		if l.rec.blank() {
			continue
		}
		return l.rec.record(line, l.s.offset), nil
	}
}
