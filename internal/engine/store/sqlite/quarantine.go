package sqlite

import (
	"context"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

func (t *tx) AppendQuarantine(ctx context.Context, qs []store.QuarantineRecord) error {
	buf := make([]byte, store.QuarantinePartSize)
	for _, q := range qs {
		res, err := t.q.ExecContext(ctx, `INSERT INTO quarantine (reason, source, line, size, quarantined_at, digest) VALUES (?, ?, ?, 0, ?, ?)
			ON CONFLICT (digest) DO NOTHING`,
			q.Entry.Reason, q.Entry.Source, q.Entry.Line, q.Entry.QuarantinedAt.UnixNano(), q.Digest[:])
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			// Already quarantined by an earlier ingest of the same input.
			if err != nil {
				return err
			}
			continue
		}
		seq, err := res.LastInsertId()
		if err != nil {
			return err
		}
		size, err := store.WriteQuarantineParts(q.Raw, buf, func(part int, data []byte) error {
			_, err := t.q.ExecContext(ctx, `INSERT INTO quarantine_parts (seq, part, data) VALUES (?, ?, ?)`, seq, part, data)
			return err
		})
		if err != nil {
			return err
		}
		if _, err := t.q.ExecContext(ctx, `UPDATE quarantine SET size = ? WHERE seq = ?`, size, seq); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) Quarantine(ctx context.Context) ([]engine.QuarantineEntry, error) {
	rows, err := t.q.QueryContext(ctx, `SELECT q.seq, q.reason, q.source, q.line, q.quarantined_at, p.data
		FROM quarantine q LEFT JOIN quarantine_parts p ON p.seq = q.seq ORDER BY q.seq, p.part`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var a store.QuarantineAssembler
	for rows.Next() {
		var seq, line, at int64
		var reason, source string
		var data []byte
		if err := rows.Scan(&seq, &reason, &source, &line, &at, &data); err != nil {
			return nil, err
		}
		a.Add(seq, reason, source, line, at, data)
	}
	return a.Entries(), rows.Err()
}
