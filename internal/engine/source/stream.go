package source

import (
	"context"
	"io"

	"github.com/idp/terraform-provider-idp/internal/engine/ingest"
)

// Stream reads NDJSON or Graph pages from a reader through the decoding
// pipeline (ingest.Run): a file, stdin, or a batch pushed to engine serve.
type Stream[T any] struct {
	R          io.Reader
	Options    ingest.Options
	NewDecoder func() ingest.Decoder[T]
	// CursorAt, when set, is the cursor of the input read up to offset
	// safe (ingest.Batch.Safe); nil when the input has no cursor.
	CursorAt func(safe int64) string
}

func (s Stream[T]) Read(ctx context.Context, emit Emit[T]) error {
	var safe int64
	at := func(offset int64) func() string {
		if s.CursorAt == nil {
			return nil
		}
		return func() string { return s.CursorAt(offset) }
	}
	_, err := ingest.Run(ctx, s.R, s.Options, s.NewDecoder, func(b ingest.Batch[T]) error {
		safe = b.Safe
		return emit(b, at(b.Safe), false)
	})
	if err != nil {
		return err
	}
	return emit(ingest.Batch[T]{Safe: safe}, at(safe), true)
}
