package postgres

import (
	"context"
	"strconv"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

func placeholder(n int) string { return `$` + strconv.Itoa(n) }

// QueryAlerts reads a page from the index that fits the filter and takes
// the total where it costs least (store/alertquery.go says how).
func (t *tx) QueryAlerts(ctx context.Context, q engine.AlertQuery, notBefore time.Time) (engine.AlertPage, error) {
	page := engine.AlertPage{Alerts: []engine.Alert{}}
	f := store.NewAlertFilter(placeholder)
	f.Add(`updated_at`, `>=`, notBefore.UnixNano())
	err := f.AddQuery(q, func() (longest int64, err error) {
		err = t.q.QueryRow(ctx, `SELECT longest FROM alert_span`).Scan(&longest)
		return longest, err
	})
	if err != nil {
		return page, err
	}
	cond := f.Where()
	if store.TotalFromCounts(q) {
		page.Total, err = t.countedTotal(ctx, q, notBefore)
	} else {
		err = t.q.QueryRow(ctx, `SELECT count(*) FROM alerts WHERE `+cond, f.Args()...).Scan(&page.Total)
	}
	if err != nil {
		return page, err
	}
	query := `SELECT ` + alertColumns + ` FROM alerts WHERE ` + cond + ` ORDER BY last_seen DESC, id`
	if q.Limit > 0 {
		query += ` LIMIT ` + f.Arg(q.Limit)
	}
	if q.Offset > 0 {
		query += ` OFFSET ` + f.Arg(q.Offset)
	}
	rows, err := t.q.Query(ctx, query, f.Args()...)
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
	f := store.NewAlertFilter(placeholder)
	f.AddSQL(`true`)
	f.AddCounted(q, ``)
	var total, hidden int64
	if err := t.q.QueryRow(ctx, `SELECT coalesce(sum(n), 0)::bigint FROM alert_days WHERE `+f.Where(), f.Args()...).Scan(&total); err != nil {
		return 0, err
	}
	f.Add(`updated_at`, `<`, notBefore.UnixNano())
	err := t.q.QueryRow(ctx, `SELECT count(*) FROM alerts WHERE `+f.Where(), f.Args()...).Scan(&hidden)
	return int(total - hidden), err
}
