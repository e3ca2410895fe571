package source

import (
	"context"

	"github.com/idp/terraform-provider-idp/internal/engine/ingest"
)

// Pages reads the pages of a pull, each page one unit committed with the
// cursor that follows it, numbering the records on from page to page: the
// line of a record is its number in the pull.
type Pages[T any] struct {
	// Pull fetches the pages in order and calls page with each one's
	// records and the cursor that follows it (nil when the pull keeps
	// none).
	Pull           func(ctx context.Context, page func(records [][]byte, cursor func() string) error) error
	Decoder        ingest.Decoder[T]
	MaxRecordBytes int
	// KeepRecords packs each page's accepted records (ingest.Batch.Kept).
	KeepRecords bool
}

func (p Pages[T]) Read(ctx context.Context, emit Emit[T]) error {
	var read int64
	return p.Pull(ctx, func(records [][]byte, cursor func() string) error {
		b := ingest.DecodeRecords(records, read+1, p.MaxRecordBytes, p.Decoder, p.KeepRecords)
		read += int64(len(records))
		return emit(b, cursor, true)
	})
}
