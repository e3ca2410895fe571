// Package source is where records come from and how they reach the store
// in order. Every input is a Source: a file, stdin or a pushed batch read
// as a stream (Stream), or the pages of a Microsoft Graph pull (Pages).
// Run, the one ordered-commit pipeline, gathers what a source decodes into
// units and commits each unit, with the cursor that covers it, on a
// goroutine of its own and in input order, so that decoding the next unit
// overlaps writing this one and a cursor is never committed before the
// records it covers.
package source

import (
	"context"

	"github.com/idp/terraform-provider-idp/internal/engine/ingest"
)

// Source decodes an input.
type Source[T any] interface {
	// Read calls emit with each decoded batch, in input order, until the
	// input ends, emit fails or ctx ends.
	Read(ctx context.Context, emit Emit[T]) error
}

// Emit hands the pipeline one batch. cursor, when not nil, is the position
// to store once the batch and everything before it are committed; it is
// called only then. cut ends the unit with this batch: a Graph page is
// committed alone, since its cursor is only valid between pages. A source
// ends with a cut, so that its last unit is committed with its last
// cursor (a stream's last unit is committed even when empty, which stores
// the cursor at the end of the input).
type Emit[T any] func(b ingest.Batch[T], cursor func() string, cut bool) error
