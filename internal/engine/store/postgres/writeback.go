package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

// pendingWritebackQuery reads each pending user's entries from their
// latest "applied" one on, through remediations_by_user.
const pendingWritebackQuery = `SELECT r.time, r.user_id, r.alert_id, r.policy, r.actions, r.outcome
	FROM writeback_pending p JOIN remediations r ON r.user_id = p.user_id
	AND r.seq >= (SELECT max(a.seq) FROM remediations a WHERE a.user_id = p.user_id AND a.outcome = 'applied')
	ORDER BY r.seq`

func (t *tx) PendingWriteback(ctx context.Context) ([]engine.Remediation, error) {
	rows, err := t.q.Query(ctx, pendingWritebackQuery)
	if err != nil {
		return nil, err
	}
	return scanRemediations(rows)
}

// markWriteback keeps writeback_pending for entries just appended. Two
// writers marking one user at once both succeed: ON CONFLICT waits for
// the first and then does nothing.
func (t *tx) markWriteback(ctx context.Context, rs []engine.Remediation) error {
	pending, confirmed := store.WritebackMarks(rs)
	if len(pending) > 0 {
		if _, err := t.q.Exec(ctx, `INSERT INTO writeback_pending (user_id) SELECT * FROM unnest($1::text[])
			ON CONFLICT (user_id) DO NOTHING`, pending); err != nil {
			return err
		}
	}
	if len(confirmed) > 0 {
		if _, err := t.q.Exec(ctx, `DELETE FROM writeback_pending WHERE user_id = ANY($1)`, confirmed); err != nil {
			return err
		}
	}
	return nil
}

func scanRemediations(rows pgx.Rows) ([]engine.Remediation, error) {
	defer rows.Close()
	out := []engine.Remediation{}
	for rows.Next() {
		var r engine.Remediation
		var at int64
		var actions string
		if err := rows.Scan(&at, &r.UserID, &r.AlertID, &r.Policy, &actions, &r.Outcome); err != nil {
			return nil, err
		}
		r.Time = time.Unix(0, at).UTC()
		if err := json.Unmarshal([]byte(actions), &r.Actions); err != nil {
			return nil, fmt.Errorf("reading the remediation log: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// TakeLease is one statement: ON CONFLICT locks the lease's row, so a
// second taker waits for the first to commit and then sees its lease, and
// what it reads afterwards (read committed) sees the holder's writes.
func (t *tx) TakeLease(ctx context.Context, name, holder string, now, expires time.Time) (bool, error) {
	tag, err := t.q.Exec(ctx, `INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE leases.holder = excluded.holder OR leases.expires_at <= $4`, name, holder, expires.UnixNano(), now.UnixNano())
	if err != nil {
		return false, err
	}
	return tag.RowsAffected() == 1, nil
}

func (t *tx) ReleaseLease(ctx context.Context, name, holder string) error {
	_, err := t.q.Exec(ctx, `DELETE FROM leases WHERE name = $1 AND holder = $2`, name, holder)
	return err
}
