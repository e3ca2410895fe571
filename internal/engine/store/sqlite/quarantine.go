package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"math"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

// AppendQuarantine adds the entries whose digest is not stored yet: the
// first part of the text goes into the entry's row, the rest into
// quarantine_chunks.
func (t *tx) AppendQuarantine(ctx context.Context, qs []store.QuarantineRecord) error {
	labels := map[string]int64{}
	var enc store.TextEncoder
	for _, q := range qs {
		at := q.Entry.QuarantinedAt.UnixNano()
		reason, err := t.label(ctx, labels, q.Entry.Reason, at)
		if err != nil {
			return err
		}
		source, err := t.label(ctx, labels, q.Entry.Source, at)
		if err != nil {
			return err
		}
		var seq int64
		_, err = enc.Encode(q.Raw, func(p store.TextPart) error {
			switch {
			case p.Index == 0:
				// A text of one part, the usual, is written by this one
				// statement.
				res, err := t.q.ExecContext(ctx, `INSERT INTO quarantine_entries (digest, reason, source, line, quarantined_at, size, codec, head)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (digest) DO NOTHING`,
					store.ShortDigest(q.Digest), reason, source, q.Entry.Line, at, p.Size, p.Codec, p.Data)
				if err != nil {
					return err
				}
				if n, err := res.RowsAffected(); err != nil || n == 0 {
					// Already quarantined by an earlier ingest of the same input.
					return errors.Join(err, store.ErrStopText)
				}
				seq, err = res.LastInsertId()
				return err
			case len(p.Data) > 0:
				if _, err := t.q.ExecContext(ctx, `INSERT INTO quarantine_chunks (seq, part, data) VALUES (?, ?, ?)`, seq, p.Index, p.Data); err != nil {
					return err
				}
			}
			if p.Last {
				_, err := t.q.ExecContext(ctx, `UPDATE quarantine_entries SET size = ? WHERE seq = ?`, p.Size, seq)
				return err
			}
			return nil
		})
		if err != nil && !errors.Is(err, store.ErrStopText) {
			return err
		}
	}
	return nil
}

// label returns the ID of a reason or source, storing it when new and
// recording that an entry of time at uses it.
func (t *tx) label(ctx context.Context, cache map[string]int64, text string, at int64) (int64, error) {
	if id, ok := cache[text]; ok {
		return id, nil
	}
	var id int64
	err := t.q.QueryRowContext(ctx, `INSERT INTO quarantine_labels (text, used_at) VALUES (?, ?)
		ON CONFLICT (text) DO UPDATE SET used_at = max(used_at, excluded.used_at) RETURNING id`, text, at).Scan(&id)
	if err == nil {
		cache[text] = id
	}
	return id, err
}

func (t *tx) Quarantine(ctx context.Context, q engine.QuarantineQuery) (engine.QuarantinePage, error) {
	page := engine.QuarantinePage{Entries: []engine.QuarantineEntry{}}
	if q.Count {
		if err := t.q.QueryRowContext(ctx, `SELECT count(*) FROM quarantine_entries`).Scan(&page.Total); err != nil {
			return page, err
		}
	}
	rawLimit := q.RawLimit
	if rawLimit <= 0 || rawLimit > store.QuarantinePartSize {
		rawLimit = store.QuarantinePartSize
	}
	limit := q.Limit
	if limit <= 0 {
		limit = -1
	}
	// substr reads only the start of a large head: a listing never loads
	// whole texts.
	rows, err := t.q.QueryContext(ctx, `SELECT e.seq, coalesce(r.text, ''), coalesce(s.text, ''), e.line, e.quarantined_at, e.size, e.codec,
			substr(e.head, 1, ?)
		FROM quarantine_entries e
		LEFT JOIN quarantine_labels r ON r.id = e.reason
		LEFT JOIN quarantine_labels s ON s.id = e.source
		WHERE e.seq > ? ORDER BY e.seq LIMIT ? OFFSET ?`, store.HeadBytes(rawLimit), q.After, limit, max(q.Offset, 0))
	if err != nil {
		return page, err
	}
	defer rows.Close()
	for rows.Next() {
		var e engine.QuarantineEntry
		var at int64
		var codec int
		var head []byte
		if err := rows.Scan(&e.ID, &e.Reason, &e.Source, &e.Line, &at, &e.Size, &codec, &head); err != nil {
			return page, err
		}
		text, err := store.DecodeHead(codec, head, rawLimit)
		if err != nil {
			return page, err
		}
		e.Raw, e.RawTruncated = string(text), int64(len(text)) < e.Size
		e.QuarantinedAt = time.Unix(0, at).UTC()
		page.Entries = append(page.Entries, e)
	}
	return page, rows.Err()
}

func (t *tx) QuarantineText(ctx context.Context, id int64, w io.Writer) (bool, error) {
	var codec int
	var head []byte
	err := t.q.QueryRowContext(ctx, `SELECT codec, head FROM quarantine_entries WHERE seq = ?`, id).Scan(&codec, &head)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := store.DecodePart(codec, head, w); err != nil {
		return true, err
	}
	rows, err := t.q.QueryContext(ctx, `SELECT data FROM quarantine_chunks WHERE seq = ? ORDER BY part`, id)
	if err != nil {
		return true, err
	}
	defer rows.Close()
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return true, err
		}
		if err := store.DecodePart(codec, data, w); err != nil {
			return true, err
		}
	}
	return true, rows.Err()
}

// PurgeQuarantine deletes the oldest entries, in the order they were
// quarantined, up to the first one quarantined at or after cutoff: an
// entry written by a process whose clock lags its predecessors' goes with
// them, that lag later. Then it drops the labels no entry left can use:
// those last used a day (the lag allowed for) before the oldest entry
// that stays.
func (t *tx) PurgeQuarantine(ctx context.Context, cutoff time.Time) (int64, error) {
	at := cutoff.UnixNano()
	var bound, oldest int64
	err := t.q.QueryRowContext(ctx, `SELECT seq, quarantined_at FROM quarantine_entries WHERE quarantined_at >= ? ORDER BY seq LIMIT 1`, at).
		Scan(&bound, &oldest)
	if errors.Is(err, sql.ErrNoRows) {
		bound, oldest, err = math.MaxInt64, at, nil
	}
	if err != nil {
		return 0, err
	}
	if _, err := t.q.ExecContext(ctx, `DELETE FROM quarantine_chunks WHERE seq < ?`, bound); err != nil {
		return 0, err
	}
	res, err := t.q.ExecContext(ctx, `DELETE FROM quarantine_entries WHERE seq < ?`, bound)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	if err != nil || n == 0 {
		return n, err
	}
	_, err = t.q.ExecContext(ctx, `DELETE FROM quarantine_labels WHERE used_at < ?`, oldest-int64(store.LabelGrace))
	return n, err
}
