package postgres

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

// partSize bounds what one quarantined record holds in memory while it is
// written or read back in parts.
const partSize = 1 << 20

// AppendQuarantine adds the entries whose digest is not stored yet.
func (t *tx) AppendQuarantine(ctx context.Context, qs []store.QuarantineRecord) error {
	buf := make([]byte, partSize)
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
		size, err := t.writeParts(ctx, seq, q.Raw, buf)
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

func (t *tx) writeParts(ctx context.Context, seq int64, raw io.Reader, buf []byte) (int64, error) {
	if raw == nil {
		return 0, nil
	}
	var size int64
	for part := 0; ; part++ {
		n, err := io.ReadFull(raw, buf)
		if n > 0 {
			if _, err := t.q.Exec(ctx, `INSERT INTO quarantine_parts (seq, part, data) VALUES ($1, $2, $3)`, seq, part, buf[:n]); err != nil {
				return size, err
			}
			size += int64(n)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return size, nil
		}
		if err != nil {
			return size, err
		}
	}
}

func (t *tx) Quarantine(ctx context.Context) ([]engine.QuarantineEntry, error) {
	rows, err := t.q.Query(ctx, `SELECT q.seq, q.reason, q.source, q.line, q.quarantined_at, p.data
		FROM quarantine q LEFT JOIN quarantine_parts p ON p.seq = q.seq ORDER BY q.seq, p.part`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []engine.QuarantineEntry{}
	var raw []byte
	lastSeq := int64(-1)
	flush := func() {
		if len(out) > 0 {
			out[len(out)-1].Raw = string(raw)
		}
		raw = raw[:0]
	}
	for rows.Next() {
		var seq, line, at int64
		var e engine.QuarantineEntry
		var data []byte
		if err := rows.Scan(&seq, &e.Reason, &e.Source, &line, &at, &data); err != nil {
			return nil, err
		}
		if seq != lastSeq {
			flush()
			e.Line = line
			e.QuarantinedAt = time.Unix(0, at).UTC()
			out = append(out, e)
			lastSeq = seq
		}
		raw = append(raw, data...)
	}
	flush()
	return out, rows.Err()
}
