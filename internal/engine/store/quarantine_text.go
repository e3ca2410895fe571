package store

import (
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"time"
)

// A quarantined record's text is stored in numbered parts of at most
// QuarantinePartSize bytes, so that a record of any size is written and
// read back without being held whole: part 0 in the entry's row, the
// others in a table of their own. Parts are compressed (DEFLATE, each on
// its own so that they can be read one at a time) when the first part
// shrinks enough to pay for it; the entry records the codec. The helpers
// below are the logic every backend shares, so that they store the same
// bytes.

// QuarantinePartSize bounds the text one part holds.
const QuarantinePartSize = 1 << 20

// Codecs of a stored text.
const (
	CodecPlain   = 0
	CodecDeflate = 1
)

// compressFrom is the smallest text worth compressing, and compressBelow
// the share of its size a compressed first part must stay under.
const (
	compressFrom  = 1 << 10
	compressBelow = 0.9
)

// TextEncoder cuts texts into parts and encodes them; its buffers are
// reused from one text to the next. The zero value is ready.
type TextEncoder struct {
	buf []byte
	z   bytes.Buffer
	zw  *flate.Writer
}

// ErrStopText is returned by a put function to stop reading a text (its
// entry is a duplicate); Encode then returns it.
var ErrStopText = errors.New("stop reading the text")

// TextPart is one part of a text, encoded. A last part may come without
// data, only to say that the text ended (its size a multiple of the part
// size); it is not stored.
type TextPart struct {
	Index int
	Data  []byte
	Codec int
	// Size is the text's size so far, this part included; Last says
	// whether the text ends with this part.
	Size int64
	Last bool
}

// Encode reads raw to its end in parts and hands each to put, encoded,
// numbered from 0 (part 0 always comes, empty for an empty text), with the
// codec chosen on the first part; it returns the text's size.
func (e *TextEncoder) Encode(raw io.Reader, put func(TextPart) error) (int64, error) {
	if e.buf == nil {
		e.buf = make([]byte, QuarantinePartSize)
	}
	codec := -1
	var size int64
	for part := 0; ; part++ {
		n := 0
		var err error
		if raw != nil {
			n, err = io.ReadFull(raw, e.buf)
		}
		end := raw == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
		if err != nil && !end {
			return size, err
		}
		if n == 0 && part > 0 {
			// The previous part was the last, though it filled the buffer.
			return size, put(TextPart{Index: part, Codec: codec, Size: size, Last: true})
		}
		text := e.buf[:n]
		data := text
		if codec < 0 {
			codec = CodecPlain
			if n >= compressFrom {
				if z, err := e.deflate(text); err != nil {
					return size, err
				} else if float64(len(z)) < compressBelow*float64(n) {
					codec, data = CodecDeflate, z
				}
			}
		} else if codec == CodecDeflate {
			if data, err = e.deflate(text); err != nil {
				return size, err
			}
		}
		size += int64(n)
		if err := put(TextPart{Index: part, Data: data, Codec: codec, Size: size, Last: end}); err != nil {
			return size, err
		}
		if end {
			return size, nil
		}
	}
}

func (e *TextEncoder) deflate(text []byte) ([]byte, error) {
	e.z.Reset()
	if e.zw == nil {
		zw, err := flate.NewWriter(&e.z, flate.BestSpeed)
		if err != nil {
			return nil, err
		}
		e.zw = zw
	} else {
		e.zw.Reset(&e.z)
	}
	if _, err := e.zw.Write(text); err != nil {
		return nil, err
	}
	if err := e.zw.Close(); err != nil {
		return nil, err
	}
	return e.z.Bytes(), nil
}

// DecodePart writes the text of one stored part to w.
func DecodePart(codec int, data []byte, w io.Writer) error {
	switch codec {
	case CodecPlain:
		_, err := w.Write(data)
		return err
	case CodecDeflate:
		zr := flate.NewReader(bytes.NewReader(data))
		defer zr.Close()
		_, err := io.Copy(w, zr)
		return err
	}
	return fmt.Errorf("a quarantined text is stored with an unknown codec %d", codec)
}

// HeadBytes is how much of a stored first part a backend reads to get the
// first limit bytes of its text: compressed data can be a little longer
// than its text where the text does not compress (a few bytes per 64 KiB
// block), never more than this.
func HeadBytes(limit int) int {
	return limit + limit/64 + 1024
}

// DecodeHead returns at most limit bytes of text from the start of a
// stored first part, which may be cut short (the HeadBytes first bytes).
func DecodeHead(codec int, data []byte, limit int) ([]byte, error) {
	switch codec {
	case CodecPlain:
		return data[:min(limit, len(data))], nil
	case CodecDeflate:
		zr := flate.NewReader(bytes.NewReader(data))
		defer zr.Close()
		out, err := io.ReadAll(io.LimitReader(zr, int64(limit)))
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("reading a quarantined text: %w", err)
		}
		return out, nil
	}
	return nil, fmt.Errorf("a quarantined text is stored with an unknown codec %d", codec)
}

// LabelGrace is how much older than the oldest entry kept a reason or
// source must have been last used before retention drops it: the lag
// allowed between the clocks of processes sharing a database.
const LabelGrace = 24 * time.Hour

// ShortDigest is the part of an entry's digest a store keeps: 128 bits,
// so that two different records colliding is out of reach, in half the
// index space.
func ShortDigest(d [32]byte) []byte { return d[:16] }
