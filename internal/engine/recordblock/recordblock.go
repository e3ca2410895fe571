// Package recordblock keeps accepted records' full text, compressed
// together a batch at a time: records of one feed look alike, so a block of
// a few thousand compresses about nine times where one record alone
// compresses about twice. Ingest packs a block beside decoding, on the
// decoding goroutines; the store keeps it as an opaque value; whoever reads
// a record back unpacks its block.
//
// A packed block is a format byte, the number of records, for each record
// the bytes skipped since the previous one ended and its length (unsigned
// varints), then the text from the first record's start to the last one's
// end, compressed with Zstandard.
package recordblock

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// formatZstd is the only format so far; a reader refuses any other.
const formatZstd = 1

// Span is one record's place in a batch's text: text[Start:End].
type Span struct{ Start, End int }

// Pack compresses the records at spans of text into one block, nil when
// spans is empty. Spans are in order and do not overlap; the text between
// them (rejected records, line ends) is kept too when it lies inside the
// block's range, which costs less than copying the records out of the
// batch they were read in.
func Pack(text []byte, spans []Span) []byte {
	if len(spans) == 0 {
		return nil
	}
	first, last := spans[0].Start, spans[len(spans)-1].End
	buf := outs.Get().(*[]byte) //nolint:forcetypeassert // the pool holds nothing else
	defer outs.Put(buf)
	out := append((*buf)[:0], formatZstd)
	out = binary.AppendUvarint(out, uint64(len(spans)))
	at := first
	for _, sp := range spans {
		out = binary.AppendUvarint(out, uint64(sp.Start-at))
		out = binary.AppendUvarint(out, uint64(sp.End-sp.Start))
		at = sp.End
	}
	out = codecs().enc.EncodeAll(text[first:last], out)
	*buf = out
	// A block lives until its transaction commits: an exact copy holds a
	// third less than the buffer it was compressed into.
	return bytes.Clone(out)
}

// outs are the buffers blocks are compressed into.
var outs = sync.Pool{New: func() any { return new([]byte) }}

// Builder gathers records that do not share a text (the elements of a
// Graph page) for one block. The zero value is ready to use.
type Builder struct {
	text  []byte
	spans []Span
}

// Add copies raw into the block and returns its index.
func (b *Builder) Add(raw []byte) int {
	start := len(b.text)
	b.text = append(b.text, raw...)
	b.spans = append(b.spans, Span{Start: start, End: len(b.text)})
	return len(b.spans) - 1
}

// Len is how many records were added.
func (b *Builder) Len() int { return len(b.spans) }

// Pack compresses what was added into one block, nil when nothing was.
func (b *Builder) Pack() []byte { return Pack(b.text, b.spans) }

// Record returns the text of record i of a packed block.
func Record(block []byte, i int) ([]byte, error) {
	all, err := Unpack(block)
	if err != nil {
		return nil, err
	}
	if i < 0 || i >= len(all) {
		return nil, fmt.Errorf("record block: no record %d in a block of %d", i, len(all))
	}
	return all[i], nil
}

// Unpack returns every record of a packed block, in the order they were
// added.
func Unpack(block []byte) ([][]byte, error) {
	if len(block) == 0 || block[0] != formatZstd {
		return nil, errors.New("record block: unknown format")
	}
	rest := block[1:]
	n, used := binary.Uvarint(rest)
	if used <= 0 || n > uint64(len(rest)) {
		return nil, errors.New("record block: bad record count")
	}
	rest = rest[used:]
	spans := make([]Span, n)
	at := uint64(0)
	for i := range spans {
		gap, used := binary.Uvarint(rest)
		if used <= 0 {
			return nil, errors.New("record block: bad record offset")
		}
		rest = rest[used:]
		l, used := binary.Uvarint(rest)
		if used <= 0 {
			return nil, errors.New("record block: bad record length")
		}
		rest = rest[used:]
		if gap > math.MaxInt32 || l > math.MaxInt32 {
			return nil, errors.New("record block: record out of range")
		}
		spans[i] = Span{Start: int(at + gap), End: int(at + gap + l)}
		at += gap + l
	}
	text, err := codecs().dec.DecodeAll(rest, make([]byte, 0, at))
	if err != nil {
		return nil, fmt.Errorf("record block: %w", err)
	}
	if uint64(len(text)) != at {
		return nil, fmt.Errorf("record block: %d bytes of text where the records end at %d", len(text), at)
	}
	out := make([][]byte, n)
	for i, sp := range spans {
		out[i] = text[sp.Start:sp.End:sp.End]
	}
	return out, nil
}

type zstdCodecs struct {
	enc *zstd.Encoder
	dec *zstd.Decoder
}

// codecs are made once and shared: EncodeAll and DecodeAll may be called
// from several goroutines at once, each call running on its own.
var codecs = sync.OnceValue(func() zstdCodecs {
	// The fastest level compresses a batch of detections about 9:1 at some
	// 550 MB/s per core, against 8.8:1 at two thirds of that speed for
	// the default level: ingest runs it on every accepted record.
	// A window of 256 KiB (a few hundred records) finds what records
	// share as well as the default 8 MiB, in a thirtieth of the memory.
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithWindowSize(256<<10),
		zstd.WithEncoderConcurrency(runtime.GOMAXPROCS(0)), zstd.WithLowerEncoderMem(true))
	if err != nil {
		panic(err) // only invalid options fail
	}
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(runtime.GOMAXPROCS(0)), zstd.WithDecoderLowmem(true),
		zstd.WithDecoderMaxMemory(1<<30))
	if err != nil {
		panic(err)
	}
	return zstdCodecs{enc: enc, dec: dec}
})
