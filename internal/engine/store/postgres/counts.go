package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

func (t *tx) AddAlertCounts(ctx context.Context, c store.AlertCounts) error {
	days := store.SortedDays(c)
	if err := chunks(len(days), func(start, end int) error {
		n := end - start
		policies, statuses := make([]string, 0, n), make([]string, 0, n)
		dayNums, counts := make([]int64, 0, n), make([]int64, 0, n)
		severities := make([]int16, 0, n)
		for _, d := range days[start:end] {
			policies = append(policies, d.Key.Policy)
			dayNums = append(dayNums, d.Key.Day)
			severities = append(severities, int16(d.Key.Severity.Rank()))
			statuses = append(statuses, string(d.Key.Status))
			counts = append(counts, d.N)
		}
		_, err := t.q.Exec(ctx, `INSERT INTO alert_days (policy, day, severity, status, n)
			SELECT * FROM unnest($1::text[], $2::int8[], $3::int2[], $4::text[], $5::int8[])
			ON CONFLICT (policy, day, severity, status) DO UPDATE SET n = alert_days.n + excluded.n`,
			policies, dayNums, severities, statuses, counts)
		return err
	}); err != nil {
		return err
	}
	users := store.SortedUsers(c)
	return chunks(len(users), func(start, end int) error {
		n := end - start
		ids, upns, names := make([]string, 0, n), make([]string, 0, n), make([]string, 0, n)
		high, medium, low, other, resolved := make([]int64, 0, n), make([]int64, 0, n), make([]int64, 0, n), make([]int64, 0, n), make([]int64, 0, n)
		for _, u := range users[start:end] {
			ids = append(ids, u.UserID)
			upns = append(upns, u.UserPrincipalName)
			names = append(names, u.UserDisplayName)
			high, medium, low, other = append(high, u.Open[3]), append(medium, u.Open[2]), append(low, u.Open[1]), append(other, u.Open[0])
			resolved = append(resolved, u.Resolved)
		}
		_, err := t.q.Exec(ctx, `INSERT INTO alert_users (`+userCountColumns+`)
			SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[], $5::int8[], $6::int8[], $7::int8[], $8::int8[])
			ON CONFLICT (user_id) DO UPDATE SET
				upn = CASE WHEN excluded.upn = '' AND excluded.display_name = '' THEN alert_users.upn ELSE excluded.upn END,
				display_name = CASE WHEN excluded.upn = '' AND excluded.display_name = '' THEN alert_users.display_name ELSE excluded.display_name END,
				open_high = alert_users.open_high + excluded.open_high, open_medium = alert_users.open_medium + excluded.open_medium,
				open_low = alert_users.open_low + excluded.open_low, open_other = alert_users.open_other + excluded.open_other,
				resolved = alert_users.resolved + excluded.resolved`,
			ids, upns, names, high, medium, low, other, resolved)
		return err
	})
}

func (t *tx) AlertTotals(ctx context.Context) ([]store.PolicyTotal, error) {
	rows, err := t.q.Query(ctx, `SELECT policy, status, sum(n)::int8 FROM alert_days GROUP BY policy, status ORDER BY policy, status`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.PolicyTotal, error) {
		var p store.PolicyTotal
		var status string
		err := row.Scan(&p.Policy, &status, &p.N)
		p.Status = engine.AlertStatus(status)
		return p, err
	})
}

func (t *tx) AlertDays(ctx context.Context, policy string, from, to int64) ([]store.DayCount, error) {
	query := `SELECT day, severity, sum(n)::int8 FROM alert_days WHERE day BETWEEN $1 AND $2`
	args := []any{from, to}
	if policy != "" {
		query += ` AND policy = $3`
		args = append(args, policy)
	}
	rows, err := t.q.Query(ctx, query+` GROUP BY day, severity ORDER BY day, severity`, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.DayCount, error) {
		var d store.DayCount
		var rank int16
		err := row.Scan(&d.Day, &rank, &d.N)
		d.Severity = engine.SeverityOfRank(int(rank))
		return d, err
	})
}

func (t *tx) LastAlertDay(ctx context.Context, policy string) (int64, bool, error) {
	query, args := `SELECT max(day) FROM alert_days WHERE n <> 0`, []any{}
	if policy != "" {
		query += ` AND policy = $1`
		args = append(args, policy)
	}
	var day *int64
	if err := t.q.QueryRow(ctx, query, args...).Scan(&day); err != nil || day == nil {
		return 0, false, err
	}
	return *day, true, nil
}

const userCountColumns = `user_id, upn, display_name, open_high, open_medium, open_low, open_other, resolved`

func scanUserCount(row pgx.Row) (store.UserCount, error) {
	var u store.UserCount
	err := row.Scan(&u.UserID, &u.UserPrincipalName, &u.UserDisplayName, &u.Open[3], &u.Open[2], &u.Open[1], &u.Open[0], &u.Resolved)
	return u, err
}

func (t *tx) TopAlertUsers(ctx context.Context, n int) ([]store.UserCount, error) {
	rows, err := t.q.Query(ctx, `SELECT `+userCountColumns+` FROM alert_users
		ORDER BY open_high DESC, open_medium DESC, open_low DESC, user_id LIMIT $1`, n)
	if err != nil {
		return nil, err
	}
	all, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.UserCount, error) { return scanUserCount(row) })
	var out []store.UserCount
	for _, u := range all {
		if u.OpenTotal() > 0 {
			out = append(out, u)
		}
	}
	return out, err
}

func (t *tx) AlertUser(ctx context.Context, userID string) (store.UserCount, bool, error) {
	u, err := scanUserCount(t.q.QueryRow(ctx, `SELECT `+userCountColumns+` FROM alert_users WHERE user_id = $1`, userID))
	if errors.Is(err, pgx.ErrNoRows) {
		return u, false, nil
	}
	return u, err == nil, err
}

func (t *tx) ExpiredAlertCounts(ctx context.Context, cutoff time.Time) (store.AlertCounts, error) {
	return t.countAlerts(ctx, `SELECT `+alertColumns+` FROM alerts WHERE updated_at < $1`, cutoff.UnixNano())
}

func (t *tx) countAlerts(ctx context.Context, query string, args ...any) (store.AlertCounts, error) {
	var c store.AlertCounts
	rows, err := t.q.Query(ctx, query, args...)
	if err != nil {
		return c, err
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return c, err
		}
		c.Add(a, 1)
	}
	return c, rows.Err()
}

// backfillAlertCounts fills the running counts from the alerts a database
// held before it kept counts (migration 2).
func backfillAlertCounts(ctx context.Context, t *tx) error {
	c, err := t.countAlerts(ctx, `SELECT `+alertColumns+` FROM alerts`)
	if err != nil {
		return err
	}
	return t.AddAlertCounts(ctx, c)
}
