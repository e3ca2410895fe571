package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

// recordBlock is a RecordRef's block as a column value: NULL for none.
func recordBlock(r store.RecordRef) *int64 {
	if r.Block == 0 {
		return nil
	}
	return &r.Block
}

// RecordBlockIDs takes ids from a sequence: never the same twice, and
// without a lock that concurrent ingests would wait on.
func (t *tx) RecordBlockIDs(ctx context.Context, n int) ([]int64, error) {
	if n <= 0 {
		return nil, nil
	}
	rows, err := t.q.Query(ctx, `SELECT nextval('record_block_ids') FROM generate_series(1, $1)`, n)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

func (t *tx) PutRecordBlocks(ctx context.Context, bs []store.RecordBlock) error {
	if len(bs) == 0 {
		return nil
	}
	rows := make([][]any, len(bs))
	for i, b := range bs {
		rows[i] = []any{b.ID, b.StoredAt.UnixNano(), b.Data}
	}
	_, err := t.q.CopyFrom(ctx, pgx.Identifier{"record_blocks"}, []string{"id", "stored_at", "data"}, pgx.CopyFromRows(rows))
	return err
}

func (t *tx) PurgeRecordBlocks(ctx context.Context, cutoff time.Time) (int64, error) {
	tag, err := t.q.Exec(ctx, `DELETE FROM record_blocks WHERE stored_at < $1`, cutoff.UnixNano())
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

func (t *tx) DetectionRecord(ctx context.Context, key engine.DetectionKey, notBefore time.Time) ([]byte, int, bool, error) {
	var data []byte
	var index int32
	err := t.q.QueryRow(ctx, `SELECT b.data, d.record_index FROM detections d
		JOIN record_blocks b ON b.id = d.record_block WHERE d.key = $1 AND b.stored_at >= $2`, key[:], notBefore.UnixNano()).Scan(&data, &index)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, 0, false, nil
	}
	return data, int(index), err == nil, err
}
