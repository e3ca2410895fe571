package ingest

import (
	"context"
	"errors"
	"io"
	"runtime"
	"sync"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/recordblock"
)

// Decoder turns one record's bytes into a value or a quarantine reason.
type Decoder[T any] interface {
	Decode(raw []byte) (T, *RecordError)
}

// NewDetectionDecoder and NewDeviceDecoder make one decoder per worker.
func NewDetectionDecoder() Decoder[engine.Detection] { return &DetectionDecoder{} }
func NewDeviceDecoder() Decoder[engine.Device]       { return &DeviceDecoder{} }

// Item is the outcome for one record read.
type Item[T any] struct {
	Value T
	Line  int64
	// Reject is why the record is quarantined; nil when it was accepted.
	Reject *RecordError
	// Raw is the record's whole text, kept only for rejected records;
	// Spill holds it instead when it was larger than the limit.
	Raw   []byte
	Spill *Spill
	// Kept is the index of the record's text in its batch's Kept block,
	// when the batch keeps accepted records (Options.KeepRecords).
	Kept int
}

// Batch is a run of consecutive records in input order.
type Batch[T any] struct {
	Items []Item[T]
	// Safe is the offset from which a later read may resume once this
	// batch and every one before it are committed.
	Safe int64
	// RawBytes is the size of the rejected text held in memory.
	RawBytes int64
	// Kept is the full text of the accepted records, packed together
	// (recordblock), when Options.KeepRecords asks for it; nil otherwise
	// or when none was accepted.
	Kept []byte
}

// Options bound the pipeline's memory; zero values take the defaults.
type Options struct {
	MaxRecordBytes int
	// MaxKeptBytes bounds what is kept of one oversize record (default
	// DefaultMaxKeptBytes).
	MaxKeptBytes int64
	StartOffset  int64
	BatchRecords int // records per batch (default 2048)
	BatchBytes   int // input bytes per batch (default 2 MiB)
	Workers      int // decoding goroutines (default GOMAXPROCS)
	// KeepRecords packs each batch's accepted records into Batch.Kept, on
	// the decoding goroutines.
	KeepRecords bool
}

func (o *Options) defaults() {
	if o.MaxRecordBytes <= 0 {
		o.MaxRecordBytes = DefaultMaxRecordBytes
	}
	if o.MaxKeptBytes <= 0 {
		o.MaxKeptBytes = DefaultMaxKeptBytes
	}
	if o.BatchRecords <= 0 {
		o.BatchRecords = 2048
	}
	if o.BatchBytes <= 0 {
		o.BatchBytes = 2 << 20
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
}

// rawBatch is a batch before decoding: records copied into one arena.
type rawBatch struct {
	seq   int
	arena []byte
	recs  []rawRecord
	safe  int64
	limit int // the maximum record size, for the reason of oversize records
	keep  bool
}

type rawRecord struct {
	start, end int
	line       int64
	spill      *Spill
	reason     string
}

type decoded[T any] struct {
	seq   int
	batch Batch[T]
}

// Run reads r, decodes its records on several goroutines and hands the
// batches to fn one at a time, in input order, on the calling goroutine.
// Reading and decoding run ahead of fn by a bounded number of batches, so
// memory stays flat whatever the input size. Run stops at the first error
// from reading or from fn, and when ctx ends, even in the middle of a
// record that never ends.
func Run[T any](ctx context.Context, r io.Reader, opts Options, newDecoder func() Decoder[T], fn func(Batch[T]) error) (Format, error) {
	opts.defaults()
	splitter, format := newSplitter(contextReader{ctx: ctx, r: r}, opts.MaxRecordBytes, opts.MaxKeptBytes, opts.StartOffset)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	work := make(chan rawBatch, opts.Workers)
	done := make(chan decoded[T], opts.Workers)
	var readErr error
	var wg sync.WaitGroup

	go func() {
		defer close(work)
		readErr = split(ctx, splitter, opts, work)
	}()
	wg.Add(opts.Workers)
	for i := 0; i < opts.Workers; i++ {
		go func() {
			defer wg.Done()
			dec := newDecoder()
			for rb := range work {
				b := decodeBatch(dec, rb)
				recycle(rb)
				select {
				case done <- decoded[T]{seq: rb.seq, batch: b}:
				case <-ctx.Done():
					discard(b)
				}
			}
		}()
	}
	go func() {
		wg.Wait()
		close(done)
	}()

	pending := map[int]Batch[T]{}
	next := 0
	var fnErr error
	for d := range done {
		if fnErr != nil {
			discard(d.batch)
			continue
		}
		pending[d.seq] = d.batch
		for {
			b, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			if fnErr = fn(b); fnErr != nil {
				cancel()
				break
			}
		}
	}
	for _, b := range pending {
		discard(b)
	}
	if fnErr != nil {
		return format, fnErr
	}
	if readErr != nil {
		return format, readErr
	}
	return format, ctx.Err()
}

// arenas recycles the raw batches' buffers: a batch's text is only needed
// until it is decoded.
var arenas sync.Pool

func newRawBatch(seq int, opts Options) rawBatch {
	rb := rawBatch{seq: seq, limit: opts.MaxRecordBytes, keep: opts.KeepRecords}
	if a, ok := arenas.Get().(*rawBatch); ok {
		rb.arena, rb.recs = a.arena[:0], a.recs[:0]
	} else {
		rb.arena = make([]byte, 0, opts.BatchBytes+64<<10)
		rb.recs = make([]rawRecord, 0, opts.BatchRecords)
	}
	return rb
}

func recycle(rb rawBatch) {
	arenas.Put(&rawBatch{arena: rb.arena, recs: rb.recs})
}

// split copies records into raw batches.
func split(ctx context.Context, sp Splitter, opts Options, work chan<- rawBatch) error {
	seq := 0
	rb := newRawBatch(seq, opts)
	send := func() bool {
		rb.safe = sp.Safe()
		select {
		case work <- rb:
		case <-ctx.Done():
			discardRaw(rb)
			return false
		}
		seq++
		rb = newRawBatch(seq, opts)
		return true
	}
	for {
		rec, err := sp.Next()
		if errors.Is(err, io.EOF) {
			if len(rb.recs) > 0 || seq == 0 {
				send()
			}
			return nil
		}
		if err != nil {
			discardRaw(rb)
			return err
		}
		start := len(rb.arena)
		rb.arena = append(rb.arena, rec.Raw...)
		rb.recs = append(rb.recs, rawRecord{start: start, end: len(rb.arena), line: rec.Line, spill: rec.Spill, reason: rec.Reason})
		if len(rb.recs) >= opts.BatchRecords || len(rb.arena) >= opts.BatchBytes {
			if !send() {
				return ctx.Err()
			}
		}
	}
}

func decodeBatch[T any](dec Decoder[T], rb rawBatch) Batch[T] {
	b := Batch[T]{Items: make([]Item[T], len(rb.recs)), Safe: rb.safe}
	var kept []recordblock.Span
	if rb.keep {
		kept = make([]recordblock.Span, 0, len(rb.recs))
	}
	for i, rr := range rb.recs {
		it := &b.Items[i]
		it.Line = rr.line
		raw := rb.arena[rr.start:rr.end]
		switch {
		case rr.spill != nil:
			it.Spill = rr.spill
			it.Reject = oversizeSpill(rb.limit, rr.spill)
		case rr.reason != "":
			it.Reject = &RecordError{Reason: rr.reason}
		default:
			it.Value, it.Reject = dec.Decode(raw)
		}
		switch {
		case it.Reject == nil && rb.keep:
			it.Kept = len(kept)
			kept = append(kept, recordblock.Span{Start: rr.start, End: rr.end})
		case it.Reject != nil && it.Spill == nil:
			it.Raw = append([]byte(nil), raw...)
			b.RawBytes += int64(len(raw))
		}
	}
	b.Kept = recordblock.Pack(rb.arena, kept)
	return b
}

// contextReader ends a read once ctx is done: the splitter reads in large
// chunks, so a record with no end (a file that never ends a line) stops at
// the next chunk.
type contextReader struct {
	ctx context.Context
	r   io.Reader
}

func (c contextReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

func discardRaw(rb rawBatch) {
	for _, rr := range rb.recs {
		if rr.spill != nil {
			rr.spill.Close()
		}
	}
}

func discard[T any](b Batch[T]) {
	for _, it := range b.Items {
		if it.Spill != nil {
			it.Spill.Close()
		}
	}
}
