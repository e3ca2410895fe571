package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

// recordBlock is a RecordRef's block as a column value: NULL for none.
func recordBlock(r store.RecordRef) any {
	if r.Block == 0 {
		return nil
	}
	return r.Block
}

// RecordBlockIDs hands out the ids after the highest ever used, which
// sqlite_sequence remembers (AUTOINCREMENT). The write lock is held, so no
// other writer reserves the same ones; ids reserved and not used are handed
// out again, which is safe because nothing names a block never stored.
func (t *tx) RecordBlockIDs(ctx context.Context, n int) ([]int64, error) {
	if n <= 0 {
		return nil, nil
	}
	var last int64
	err := t.q.QueryRowContext(ctx, `SELECT seq FROM sqlite_sequence WHERE name = 'record_blocks'`).Scan(&last)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = last + int64(i) + 1
	}
	return ids, nil
}

func (t *tx) PutRecordBlocks(ctx context.Context, bs []store.RecordBlock) error {
	st, err := t.stmt(ctx, `INSERT INTO record_blocks (id, stored_at, data) VALUES (?, ?, ?)`)
	if err != nil {
		return err
	}
	for _, b := range bs {
		if _, err := st.ExecContext(ctx, b.ID, b.StoredAt.UnixNano(), b.Data); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) PurgeRecordBlocks(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := t.q.ExecContext(ctx, `DELETE FROM record_blocks WHERE stored_at < ?`, cutoff.UnixNano())
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (t *tx) DetectionRecord(ctx context.Context, key engine.DetectionKey, notBefore time.Time) ([]byte, int, bool, error) {
	var data []byte
	var index int
	err := t.q.QueryRowContext(ctx, `SELECT b.data, d.record_index FROM detections d
		JOIN record_blocks b ON b.id = d.record_block WHERE d.key = ? AND b.stored_at >= ?`, key[:], notBefore.UnixNano()).Scan(&data, &index)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, false, nil
	}
	return data, index, err == nil, err
}
