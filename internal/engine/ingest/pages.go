package ingest

import (
	"io"
)

// pageSplitter reads a stream of Graph pages and returns each element of
// each page's "value" array as a record. It is forgiving on purpose: an
// element is everything between two commas at nesting depth zero, so a
// mangled element becomes one quarantined record and its neighbours still
// come through. Input that is not a page at all becomes one record with the
// rest of the stream, so it too is quarantined whole.
type pageSplitter struct {
	s       *byteStream
	rec     *recordBuf
	safe    int64
	inArray bool // between "[" and "]" of a value array
	inPage  bool // between "{" and "}" of a page
	failed  bool
}

func (p *pageSplitter) Safe() int64 { return p.safe }

func (p *pageSplitter) Next() (Record, error) {
	for {
		if p.failed {
			return Record{}, io.EOF
		}
		if p.inArray {
			rec, ok, err := p.element()
			if err != nil || ok {
				return rec, err
			}
			continue
		}
		if p.inPage {
			if err := p.member(); err != nil {
				return p.rest(err)
			}
			continue
		}
		p.s.skipSpace()
		p.safe = p.s.offset
		c, ok := p.s.peekByte()
		if !ok {
			if err := p.s.readErr(); err != nil {
				return Record{}, err
			}
			return Record{}, io.EOF
		}
		if c != '{' {
			return p.rest(errNotPage)
		}
		p.s.readByte()
		p.inPage = true
	}
}

type pageError string

func (e pageError) Error() string { return string(e) }

const errNotPage = pageError("not a Graph page")

// member reads one member of a page object, entering the value array when
// it finds one, or closes the page.
func (p *pageSplitter) member() error {
	p.s.skipSpace()
	c, ok := p.s.peekByte()
	if !ok {
		return errNotPage
	}
	switch c {
	case '}':
		p.s.readByte()
		p.inPage = false
		return nil
	case ',':
		p.s.readByte()
		return nil
	case '"':
	default:
		return errNotPage
	}
	key, err := p.key()
	if err != nil {
		return err
	}
	// Structure is checked by peeking, so that what is not structure stays
	// in the stream and is quarantined with the rest.
	p.s.skipSpace()
	if c, ok := p.s.peekByte(); !ok || c != ':' {
		return errNotPage
	}
	p.s.readByte()
	p.s.skipSpace()
	if key == "value" {
		if c, ok := p.s.peekByte(); !ok || c != '[' {
			return pageError(`a Graph page's "value" is not an array`)
		}
		p.s.readByte()
		p.inArray = true
		return nil
	}
	// Annotations such as @odata.nextLink are skipped: the engine pulls
	// pages itself when it talks to Graph.
	return p.skipValue()
}

// key reads a member name (short; annotation names and "value").
func (p *pageSplitter) key() (string, error) {
	p.s.readByte() // opening quote
	var b []byte
	for {
		c, ok := p.s.readByte()
		if !ok {
			return "", errNotPage
		}
		switch c {
		case '"':
			return string(b), nil
		case '\\':
			c, ok = p.s.readByte()
			if !ok {
				return "", errNotPage
			}
		}
		if len(b) < 256 {
			b = append(b, c)
		}
	}
}

// skipValue consumes one member value without keeping it.
func (p *pageSplitter) skipValue() error {
	depth := 0
	inString := false
	for {
		c, ok := p.s.peekByte()
		if !ok {
			return errNotPage
		}
		if inString {
			p.s.readByte()
			switch c {
			case '\\':
				p.s.readByte()
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return nil
			}
			depth--
		case ',':
			if depth == 0 {
				return nil
			}
		}
		p.s.readByte()
	}
}

// element reads one array element. ok is false when the array ended (or
// the element was only whitespace) rather than yielding a record.
func (p *pageSplitter) element() (Record, bool, error) {
	p.s.skipSpace()
	p.rec.reset()
	line := p.s.line
	depth := 0
	inString := false
	for {
		c, ok := p.s.peekByte()
		if !ok {
			// The input ended inside the array: what was gathered is a
			// truncated element, quarantined like any bad record.
			p.failed = true
			if err := p.s.readErr(); err != nil {
				return Record{}, false, err
			}
			if p.rec.blank() {
				return Record{}, false, nil
			}
			return p.rec.record(line, p.s.offset), true, nil
		}
		if inString {
			if err := p.take(c); err != nil {
				return Record{}, false, err
			}
			switch c {
			case '\\':
				if next, ok := p.s.peekByte(); ok {
					if err := p.take(next); err != nil {
						return Record{}, false, err
					}
				}
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
		case '}':
			if depth > 0 {
				depth--
			}
		case ']':
			if depth == 0 {
				p.s.readByte()
				p.inArray = false
				return p.yield(line)
			}
			depth--
		case ',':
			if depth == 0 {
				p.s.readByte()
				return p.yield(line)
			}
		}
		if err := p.take(c); err != nil {
			return Record{}, false, err
		}
	}
}

func (p *pageSplitter) take(c byte) error {
	p.s.readByte()
	return p.rec.writeByte(c)
}

func (p *pageSplitter) yield(line int64) (Record, bool, error) {
	if p.rec.blank() {
		return Record{}, false, nil
	}
	return p.rec.record(line, p.s.offset), true, nil
}

// rest turns everything left in the stream into one record, so input that
// is not a page is quarantined whole instead of being lost.
func (p *pageSplitter) rest(cause error) (Record, error) {
	p.failed = true
	p.rec.reset()
	line := p.s.line
	for {
		if p.s.pos >= p.s.end && !p.s.fill() {
			break
		}
		chunk := p.s.buf[p.s.pos:p.s.end]
		if err := p.rec.write(chunk); err != nil {
			return Record{}, err
		}
		for _, c := range chunk {
			if c == '\n' {
				p.s.line++
			}
		}
		p.s.offset += int64(len(chunk))
		p.s.pos = p.s.end
	}
	if err := p.s.readErr(); err != nil {
		return Record{}, err
	}
	if p.rec.blank() {
		return Record{}, io.EOF
	}
	rec := p.rec.record(line, p.s.offset)
	rec.Reason = cause.Error()
	return rec, nil
}
