package postgres

import (
	"context"
	"errors"
	"io"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

// AppendQuarantine adds the entries whose digest is not stored yet: the
// first part of the text goes into the entry's row, the rest into
// quarantine_chunks.
func (t *tx) AppendQuarantine(ctx context.Context, qs []store.QuarantineRecord) error {
	labels := map[string]int32{}
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
				err := t.q.QueryRow(ctx, `INSERT INTO quarantine_entries (digest, reason, source, line, quarantined_at, size, codec, head)
					VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (digest) DO NOTHING RETURNING seq`,
					store.ShortDigest(q.Digest), reason, source, q.Entry.Line, at, p.Size, p.Codec, p.Data).Scan(&seq)
				if errors.Is(err, pgx.ErrNoRows) {
					// Already quarantined by an earlier ingest of the same input.
					return store.ErrStopText
				}
				return err
			case len(p.Data) > 0:
				if _, err := t.q.Exec(ctx, `INSERT INTO quarantine_chunks (seq, part, data) VALUES ($1, $2, $3)`, seq, p.Index, p.Data); err != nil {
					return err
				}
			}
			if p.Last {
				_, err := t.q.Exec(ctx, `UPDATE quarantine_entries SET size = $1 WHERE seq = $2`, p.Size, seq)
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
// recording that an entry of time at uses it. The update comes first: an
// insert that meets a conflict would use up an ID all the same.
func (t *tx) label(ctx context.Context, cache map[string]int32, text string, at int64) (int32, error) {
	if id, ok := cache[text]; ok {
		return id, nil
	}
	var id int32
	err := t.q.QueryRow(ctx, `UPDATE quarantine_labels SET used_at = GREATEST(used_at, $2) WHERE text = $1 RETURNING id`, text, at).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		err = t.q.QueryRow(ctx, `INSERT INTO quarantine_labels (text, used_at) VALUES ($1, $2)
			ON CONFLICT (text) DO UPDATE SET used_at = GREATEST(quarantine_labels.used_at, excluded.used_at) RETURNING id`, text, at).Scan(&id)
	}
	if err == nil {
		cache[text] = id
	}
	return id, err
}

func (t *tx) Quarantine(ctx context.Context, q engine.QuarantineQuery) (engine.QuarantinePage, error) {
	page := engine.QuarantinePage{Entries: []engine.QuarantineEntry{}}
	if q.Count {
		if err := t.q.QueryRow(ctx, `SELECT count(*) FROM quarantine_entries`).Scan(&page.Total); err != nil {
			return page, err
		}
	}
	rawLimit := q.RawLimit
	if rawLimit <= 0 || rawLimit > store.QuarantinePartSize {
		rawLimit = store.QuarantinePartSize
	}
	// substring reads only the start of a large head: a listing never
	// loads whole texts.
	rows, err := t.q.Query(ctx, `SELECT e.seq, coalesce(r.text, ''), coalesce(s.text, ''), e.line, e.quarantined_at, e.size, e.codec,
			substring(e.head FROM 1 FOR $1)
		FROM quarantine_entries e
		LEFT JOIN quarantine_labels r ON r.id = e.reason
		LEFT JOIN quarantine_labels s ON s.id = e.source
		WHERE e.seq > $2 ORDER BY e.seq LIMIT $3 OFFSET $4`, store.HeadBytes(rawLimit), q.After, pgLimit(q.Limit), max(q.Offset, 0))
	if err != nil {
		return page, err
	}
	defer rows.Close()
	for rows.Next() {
		var e engine.QuarantineEntry
		var at int64
		var codec int16
		var head []byte
		if err := rows.Scan(&e.ID, &e.Reason, &e.Source, &e.Line, &at, &e.Size, &codec, &head); err != nil {
			return page, err
		}
		text, err := store.DecodeHead(int(codec), head, rawLimit)
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
	var codec int16
	var head []byte
	err := t.q.QueryRow(ctx, `SELECT codec, head FROM quarantine_entries WHERE seq = $1`, id).Scan(&codec, &head)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := store.DecodePart(int(codec), head, w); err != nil {
		return true, err
	}
	rows, err := t.q.Query(ctx, `SELECT data FROM quarantine_chunks WHERE seq = $1 ORDER BY part`, id)
	if err != nil {
		return true, err
	}
	defer rows.Close()
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return true, err
		}
		if err := store.DecodePart(int(codec), data, w); err != nil {
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
// that stays. A writer that uses a label meanwhile updates its used_at,
// so the deletion passes it by.
func (t *tx) PurgeQuarantine(ctx context.Context, cutoff time.Time) (int64, error) {
	at := cutoff.UnixNano()
	var bound, oldest int64
	err := t.q.QueryRow(ctx, `SELECT seq, quarantined_at FROM quarantine_entries WHERE quarantined_at >= $1 ORDER BY seq LIMIT 1`, at).
		Scan(&bound, &oldest)
	if errors.Is(err, pgx.ErrNoRows) {
		bound, oldest, err = math.MaxInt64, at, nil
	}
	if err != nil {
		return 0, err
	}
	if _, err := t.q.Exec(ctx, `DELETE FROM quarantine_chunks WHERE seq < $1`, bound); err != nil {
		return 0, err
	}
	tag, err := t.q.Exec(ctx, `DELETE FROM quarantine_entries WHERE seq < $1`, bound)
	if err != nil || tag.RowsAffected() == 0 {
		return tag.RowsAffected(), err
	}
	_, err = t.q.Exec(ctx, `DELETE FROM quarantine_labels WHERE used_at < $1`, oldest-int64(store.LabelGrace))
	return tag.RowsAffected(), err
}
