package source

import (
	"context"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest"
)

// Unit is one transaction's worth of records, gathered in memory.
type Unit[T any] interface {
	Add(ctx context.Context, b ingest.Batch[T])
	Records() int
	RawBytes() int64
	// Discard releases what the unit holds when it is not committed.
	Discard()
}

// Commit applies a unit in one transaction together with its cursor (nil:
// none), so that a crash leaves either all of it or none of it.
type Commit[U any] func(ctx context.Context, u U, cursor func() string) (engine.IngestSummary, error)

// Limits end a unit before the source cuts it.
type Limits struct {
	// Records is how many records one unit holds at most.
	Records int
	// RawBytes bounds the quarantined text one unit holds.
	RawBytes int64
}

// Run reads src into units and commits them, in order, on a goroutine of
// its own. The hand-over is unbuffered: only the unit being committed and
// the unit being filled are ever uncommitted, so a crash re-processes at
// most those, and dedup absorbs them. The first failed commit cancels the
// read, and its error is the one returned; the units still in flight are
// discarded. progress, when set, is called after each commit with the
// running totals.
func Run[T any, U Unit[T]](ctx context.Context, src Source[T], newUnit func() U, commit Commit[U], limits Limits,
	progress func(engine.IngestSummary)) (engine.IngestSummary, error) {
	type pending struct {
		u      U
		cursor func() string
	}
	var total engine.IngestSummary
	commits := make(chan pending)
	commitErr := make(chan error, 1)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		var err error
		for p := range commits {
			if err != nil {
				p.u.Discard()
				continue
			}
			var sum engine.IngestSummary
			sum, err = commit(ctx, p.u, p.cursor)
			p.u.Discard()
			if err != nil {
				cancel()
				continue
			}
			total.Add(sum)
			if progress != nil {
				progress(total)
			}
		}
		commitErr <- err
	}()

	cur := newUnit()
	var cursor func() string
	send := func() error {
		select {
		case commits <- pending{u: cur, cursor: cursor}:
			cur = newUnit()
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	sent := true // nothing gathered since the last hand-over
	readErr := src.Read(ctx, func(b ingest.Batch[T], at func() string, cut bool) error {
		cur.Add(ctx, b)
		cursor, sent = at, false
		if cut || cur.Records() >= limits.Records || cur.RawBytes() >= limits.RawBytes {
			sent = true
			return send()
		}
		return nil
	})
	if readErr == nil && !sent {
		// A source that did not cut its end: its tail is still committed.
		readErr = send()
	}
	if readErr != nil {
		cur.Discard()
	}
	close(commits)
	err := <-commitErr
	if err == nil {
		err = readErr
	}
	return total, err
}
