package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

// AppendQuarantine adds the entries whose digest is not stored yet.
func (t *tx) AppendQuarantine(ctx context.Context, qs []store.QuarantineRecord) error {
	buf := make([]byte, store.QuarantinePartSize)
	for _, q := range qs {
		var seq int64
		err := t.q.QueryRow(ctx, `INSERT INTO quarantine (reason, source, line, size, quarantined_at, digest) VALUES ($1, $2, $3, 0, $4, $5)
			ON CONFLICT (digest) DO NOTHING RETURNING seq`,
			q.Entry.Reason, q.Entry.Source, q.Entry.Line, q.Entry.QuarantinedAt.UnixNano(), q.Digest[:]).Scan(&seq)
		if errors.Is(err, pgx.ErrNoRows) {
			continue // already quarantined by an earlier ingest of the same input
		}
		if err != nil {
			return err
		}
		size, err := store.WriteQuarantineParts(q.Raw, buf, func(part int, data []byte) error {
			_, err := t.q.Exec(ctx, `INSERT INTO quarantine_parts (seq, part, data) VALUES ($1, $2, $3)`, seq, part, data)
			return err
		})
		if err != nil {
			return err
		}
		if size > 0 {
			if _, err := t.q.Exec(ctx, `UPDATE quarantine SET size = $1 WHERE seq = $2`, size, seq); err != nil {
				return err
			}
		}
	}
	return nil
}

func (t *tx) Quarantine(ctx context.Context) ([]engine.QuarantineEntry, error) {
	rows, err := t.q.Query(ctx, `SELECT q.seq, q.reason, q.source, q.line, q.quarantined_at, p.data
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
