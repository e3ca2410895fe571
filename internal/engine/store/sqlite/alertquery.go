package sqlite

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

// QueryAlerts reads a page from the index that fits the filter and takes
// the total where it costs least (store/alertquery.go says how).
func (t *tx) QueryAlerts(ctx context.Context, q engine.AlertQuery, notBefore time.Time) (engine.AlertPage, error) {
	page := engine.AlertPage{Alerts: []engine.Alert{}}
	// The retention bound keeps nearly every alert, so it must not steer
	// SQLite to alerts_by_updated_at, which would then sort every match:
	// the unary + keeps it off that index.
	where := []string{`+updated_at >= ?`}
	args := []any{notBefore.UnixNano()}
	if q.Policy != "" {
		where = append(where, `policy = ?`)
		args = append(args, q.Policy)
	}
	if q.MinSeverity != "" {
		where = append(where, `severity >= ?`)
		args = append(args, q.MinSeverity.Rank())
	}
	if q.Status != "" {
		where = append(where, `status = ?`)
		args = append(args, string(q.Status))
	}
	if q.UserPrincipalName != "" {
		// User principal names are case-insensitive in Entra ID, in every
		// script: compared folded, as every backend folds them.
		where = append(where, `upn_folded = ?`)
		args = append(args, engine.FoldUserPrincipalName(q.UserPrincipalName))
	}
	if !q.Since.IsZero() {
		where = append(where, `last_seen >= ?`)
		args = append(args, q.Since.UnixNano())
	}
	if !q.Until.IsZero() {
		where = append(where, `first_seen < ?`)
		args = append(args, q.Until.UnixNano())
		var longest int64
		if err := t.q.QueryRowContext(ctx, `SELECT longest FROM alert_span`).Scan(&longest); err != nil {
			return page, err
		}
		if bound, ok := store.LastSeenBefore(q.Until, longest); ok {
			where = append(where, `last_seen < ?`)
			args = append(args, bound)
		}
	}
	cond := strings.Join(where, ` AND `)
	var err error
	if store.TotalFromCounts(q) {
		page.Total, err = t.countedTotal(ctx, q, notBefore)
	} else {
		err = t.q.QueryRowContext(ctx, `SELECT count(*) FROM alerts WHERE `+cond, args...).Scan(&page.Total)
	}
	if err != nil {
		return page, err
	}
	query := `SELECT ` + alertColumns + ` FROM alerts WHERE ` + cond + ` ORDER BY last_seen DESC, id`
	if q.Limit > 0 || q.Offset > 0 {
		// SQLite takes an offset only after a limit; -1 is none.
		limit := q.Limit
		if limit <= 0 {
			limit = -1
		}
		query += ` LIMIT ? OFFSET ?`
		args = append(args, limit, max(q.Offset, 0))
	}
	rows, err := t.q.QueryContext(ctx, query, args...)
	if err != nil {
		return page, err
	}
	err = scanAll(rows, func(rows *sql.Rows) error {
		a, err := scanAlert(rows)
		if err == nil {
			page.Alerts = append(page.Alerts, a)
		}
		return err
	})
	return page, err
}

// countedTotal is the running count of the alerts of a policy, severity
// and status, less those retention hides but has not purged yet: few, as
// every ingest purges, and found through alerts_by_updated_at (the unary
// + keeps the other filters off their indexes).
func (t *tx) countedTotal(ctx context.Context, q engine.AlertQuery, notBefore time.Time) (int, error) {
	counted, expired := []string{`1`}, []string{`updated_at < ?`}
	var countedArgs []any
	expiredArgs := []any{notBefore.UnixNano()}
	add := func(column, op string, v any) {
		counted = append(counted, column+` `+op+` ?`)
		countedArgs = append(countedArgs, v)
		expired = append(expired, `+`+column+` `+op+` ?`)
		expiredArgs = append(expiredArgs, v)
	}
	if q.Policy != "" {
		add(`policy`, `=`, q.Policy)
	}
	if q.MinSeverity != "" {
		add(`severity`, `>=`, q.MinSeverity.Rank())
	}
	if q.Status != "" {
		add(`status`, `=`, string(q.Status))
	}
	var total, hidden int
	err := t.q.QueryRowContext(ctx, `SELECT coalesce(sum(n), 0) FROM alert_days WHERE `+strings.Join(counted, ` AND `), countedArgs...).Scan(&total)
	if err != nil {
		return 0, err
	}
	err = t.q.QueryRowContext(ctx, `SELECT count(*) FROM alerts WHERE `+strings.Join(expired, ` AND `), expiredArgs...).Scan(&hidden)
	return total - hidden, err
}
