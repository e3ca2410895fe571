package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

func (t *tx) AddAlertCounts(ctx context.Context, c store.AlertCounts) error {
	days := store.SortedDays(c)
	err := t.execRows(ctx, `INSERT INTO alert_days (policy, day, severity, status, n)`,
		`ON CONFLICT (policy, day, severity, status) DO UPDATE SET n = alert_days.n + excluded.n`,
		5, len(days), func(i int, buf []any) []any {
			k := days[i].Key
			return append(buf, k.Policy, k.Day, k.Severity.Rank(), string(k.Status), days[i].N)
		})
	if err != nil {
		return err
	}
	users := store.SortedUsers(c)
	return t.execRows(ctx, `INSERT INTO alert_users (user_id, upn, display_name, open_high, open_medium, open_low, open_other, resolved)`,
		`ON CONFLICT (user_id) DO UPDATE SET
			upn = CASE WHEN excluded.upn = '' AND excluded.display_name = '' THEN alert_users.upn ELSE excluded.upn END,
			display_name = CASE WHEN excluded.upn = '' AND excluded.display_name = '' THEN alert_users.display_name ELSE excluded.display_name END,
			open_high = alert_users.open_high + excluded.open_high, open_medium = alert_users.open_medium + excluded.open_medium,
			open_low = alert_users.open_low + excluded.open_low, open_other = alert_users.open_other + excluded.open_other,
			resolved = alert_users.resolved + excluded.resolved`,
		8, len(users), func(i int, buf []any) []any {
			u := users[i]
			return append(buf, u.UserID, u.UserPrincipalName, u.UserDisplayName, u.Open[3], u.Open[2], u.Open[1], u.Open[0], u.Resolved)
		})
}

func (t *tx) AlertTotals(ctx context.Context) ([]store.PolicyTotal, error) {
	rows, err := t.q.QueryContext(ctx, `SELECT policy, status, sum(n) FROM alert_days GROUP BY policy, status ORDER BY policy, status`)
	if err != nil {
		return nil, err
	}
	var out []store.PolicyTotal
	err = scanAll(rows, func(rows *sql.Rows) error {
		var p store.PolicyTotal
		if err := rows.Scan(&p.Policy, &p.Status, &p.N); err != nil {
			return err
		}
		out = append(out, p)
		return nil
	})
	return out, err
}

func (t *tx) AlertDays(ctx context.Context, policy string, from, to int64) ([]store.DayCount, error) {
	query := `SELECT day, severity, sum(n) FROM alert_days WHERE day BETWEEN ? AND ?`
	args := []any{from, to}
	if policy != "" {
		query += ` AND policy = ?`
		args = append(args, policy)
	}
	rows, err := t.q.QueryContext(ctx, query+` GROUP BY day, severity ORDER BY day, severity`, args...)
	if err != nil {
		return nil, err
	}
	var out []store.DayCount
	err = scanAll(rows, func(rows *sql.Rows) error {
		var d store.DayCount
		var rank int
		if err := rows.Scan(&d.Day, &rank, &d.N); err != nil {
			return err
		}
		d.Severity = engine.SeverityOfRank(rank)
		out = append(out, d)
		return nil
	})
	return out, err
}

func (t *tx) LastAlertDay(ctx context.Context, policy string) (int64, bool, error) {
	query, args := `SELECT max(day) FROM alert_days WHERE n <> 0`, []any{}
	if policy != "" {
		query += ` AND policy = ?`
		args = append(args, policy)
	}
	var day sql.NullInt64
	if err := t.q.QueryRowContext(ctx, query, args...).Scan(&day); err != nil {
		return 0, false, err
	}
	return day.Int64, day.Valid, nil
}

const userCountColumns = `user_id, upn, display_name, open_high, open_medium, open_low, open_other, resolved`

func scanUserCount(rows interface{ Scan(...any) error }) (store.UserCount, error) {
	var u store.UserCount
	err := rows.Scan(&u.UserID, &u.UserPrincipalName, &u.UserDisplayName, &u.Open[3], &u.Open[2], &u.Open[1], &u.Open[0], &u.Resolved)
	return u, err
}

func (t *tx) TopAlertUsers(ctx context.Context, n int) ([]store.UserCount, error) {
	rows, err := t.q.QueryContext(ctx, `SELECT `+userCountColumns+` FROM alert_users
		ORDER BY open_high DESC, open_medium DESC, open_low DESC, user_id LIMIT ?`, n)
	if err != nil {
		return nil, err
	}
	var out []store.UserCount
	err = scanAll(rows, func(rows *sql.Rows) error {
		u, err := scanUserCount(rows)
		if err == nil && u.OpenTotal() > 0 {
			out = append(out, u)
		}
		return err
	})
	return out, err
}

func (t *tx) AlertUser(ctx context.Context, userID string) (store.UserCount, bool, error) {
	u, err := scanUserCount(t.q.QueryRowContext(ctx, `SELECT `+userCountColumns+` FROM alert_users WHERE user_id = ?`, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return u, false, nil
	}
	return u, err == nil, err
}

func (t *tx) ExpiredAlertCounts(ctx context.Context, cutoff time.Time) (store.AlertCounts, error) {
	var c store.AlertCounts
	rows, err := t.q.QueryContext(ctx, `SELECT `+alertColumns+` FROM alerts WHERE updated_at < ?`, cutoff.UnixNano())
	if err != nil {
		return c, err
	}
	err = scanAll(rows, func(rows *sql.Rows) error {
		a, err := scanAlert(rows)
		if err == nil {
			c.Add(a, 1)
		}
		return err
	})
	return c, err
}

// backfillAlertCounts fills the running counts from the alerts a store
// held before it kept counts (migration 2).
func backfillAlertCounts(ctx context.Context, t *tx) error {
	var c store.AlertCounts
	rows, err := t.q.QueryContext(ctx, `SELECT `+alertColumns+` FROM alerts`)
	if err != nil {
		return err
	}
	err = scanAll(rows, func(rows *sql.Rows) error {
		a, err := scanAlert(rows)
		if err == nil {
			c.Add(a, 1)
		}
		return err
	})
	if err != nil {
		return err
	}
	return t.AddAlertCounts(ctx, c)
}
