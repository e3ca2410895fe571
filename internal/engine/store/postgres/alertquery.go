package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

// QueryAlerts reads a page from the index that fits the filter and takes
// the total where it costs least (store/alertquery.go says how).
func (t *tx) QueryAlerts(ctx context.Context, q engine.AlertQuery, notBefore time.Time) (engine.AlertPage, error) {
	page := engine.AlertPage{Alerts: []engine.Alert{}}
	where := []string{`updated_at >= $1`}
	args := []any{notBefore.UnixNano()}
	arg := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if q.Policy != "" {
		arg(`policy = $%d`, q.Policy)
	}
	if q.MinSeverity != "" {
		arg(`severity >= $%d`, q.MinSeverity.Rank())
	}
	if q.Status != "" {
		arg(`status = $%d`, string(q.Status))
	}
	if q.UserPrincipalName != "" {
		// User principal names are case-insensitive in Entra ID, in every
		// script: compared folded, as every backend folds them.
		arg(`upn_folded = $%d`, engine.FoldUserPrincipalName(q.UserPrincipalName))
	}
	if !q.Since.IsZero() {
		arg(`last_seen >= $%d`, q.Since.UnixNano())
	}
	if !q.Until.IsZero() {
		arg(`first_seen < $%d`, q.Until.UnixNano())
		var longest int64
		if err := t.q.QueryRow(ctx, `SELECT longest FROM alert_span`).Scan(&longest); err != nil {
			return page, err
		}
		if bound, ok := store.LastSeenBefore(q.Until, longest); ok {
			arg(`last_seen < $%d`, bound)
		}
	}
	cond := strings.Join(where, ` AND `)
	var err error
	if store.TotalFromCounts(q) {
		page.Total, err = t.countedTotal(ctx, q, notBefore)
	} else {
		err = t.q.QueryRow(ctx, `SELECT count(*) FROM alerts WHERE `+cond, args...).Scan(&page.Total)
	}
	if err != nil {
		return page, err
	}
	query := `SELECT ` + alertColumns + ` FROM alerts WHERE ` + cond + ` ORDER BY last_seen DESC, id`
	if q.Limit > 0 {
		args = append(args, q.Limit)
		query += fmt.Sprintf(` LIMIT $%d`, len(args))
	}
	if q.Offset > 0 {
		args = append(args, q.Offset)
		query += fmt.Sprintf(` OFFSET $%d`, len(args))
	}
	rows, err := t.q.Query(ctx, query, args...)
	if err != nil {
		return page, err
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return page, err
		}
		page.Alerts = append(page.Alerts, a)
	}
	return page, rows.Err()
}

// countedTotal is the running count of the alerts of a policy, severity
// and status, less those retention hides but has not purged yet: few, as
// every ingest purges, and found through alerts_by_updated_at. The counts
// move in the transactions that write the alerts, so one snapshot sees
// both at the same point.
func (t *tx) countedTotal(ctx context.Context, q engine.AlertQuery, notBefore time.Time) (int, error) {
	where := []string{`true`}
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if q.Policy != "" {
		add(`policy = $%d`, q.Policy)
	}
	if q.MinSeverity != "" {
		add(`severity >= $%d`, q.MinSeverity.Rank())
	}
	if q.Status != "" {
		add(`status = $%d`, string(q.Status))
	}
	cond := strings.Join(where, ` AND `)
	var total, hidden int64
	if err := t.q.QueryRow(ctx, `SELECT coalesce(sum(n), 0)::bigint FROM alert_days WHERE `+cond, args...).Scan(&total); err != nil {
		return 0, err
	}
	args = append(args, notBefore.UnixNano())
	err := t.q.QueryRow(ctx, fmt.Sprintf(`SELECT count(*) FROM alerts WHERE %s AND updated_at < $%d`, cond, len(args)), args...).Scan(&hidden)
	return int(total - hidden), err
}
