package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

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
	rows, err := t.q.QueryContext(ctx, pendingWritebackQuery)
	if err != nil {
		return nil, err
	}
	return scanRemediations(rows)
}

// markWriteback keeps writeback_pending for entries just appended.
func (t *tx) markWriteback(ctx context.Context, rs []engine.Remediation) error {
	pending, confirmed := store.WritebackMarks(rs)
	if err := t.execRows(ctx, `INSERT INTO writeback_pending (user_id)`, `ON CONFLICT (user_id) DO NOTHING`,
		1, len(pending), func(i int, buf []any) []any { return append(buf, pending[i]) }); err != nil {
		return err
	}
	if len(confirmed) == 0 {
		return nil
	}
	st, err := t.stmt(ctx, `DELETE FROM writeback_pending WHERE user_id = ?`)
	if err != nil {
		return err
	}
	for _, u := range confirmed {
		if _, err := st.ExecContext(ctx, u); err != nil {
			return err
		}
	}
	return nil
}

func scanRemediations(rows *sql.Rows) ([]engine.Remediation, error) {
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
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// TakeLease needs no lock of its own: the transaction holds SQLite's one
// write lock.
func (t *tx) TakeLease(ctx context.Context, name, holder string, now, expires time.Time) (bool, error) {
	res, err := t.q.ExecContext(ctx, `INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE leases.holder = excluded.holder OR leases.expires_at <= ?`, name, holder, expires.UnixNano(), now.UnixNano())
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func (t *tx) ReleaseLease(ctx context.Context, name, holder string) error {
	_, err := t.q.ExecContext(ctx, `DELETE FROM leases WHERE name = ? AND holder = ?`, name, holder)
	return err
}
