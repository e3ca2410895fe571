package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

func placeholder(int) string { return `?` }

// QueryAlerts reads a page from the index that fits the filter and takes
// the total where it costs least (store/alertquery.go says how).
func (t *tx) QueryAlerts(ctx context.Context, q engine.AlertQuery, notBefore time.Time) (engine.AlertPage, error) {
	page := engine.AlertPage{Alerts: []engine.Alert{}}
	f := store.NewAlertFilter(placeholder)
	// The retention bound keeps nearly every alert, so it must not steer
	// SQLite to alerts_by_updated_at, which would then sort every match:
	// the unary + keeps it off that index.
	f.Add(`+updated_at`, `>=`, notBefore.UnixNano())
	err := f.AddQuery(q, func() (longest int64, err error) {
		err = t.q.QueryRowContext(ctx, `SELECT longest FROM alert_span`).Scan(&longest)
		return longest, err
	})
	if err != nil {
		return page, err
	}
	cond := f.Where()
	if store.TotalFromCounts(q) {
		page.Total, err = t.countedTotal(ctx, q, notBefore)
	} else {
		err = t.q.QueryRowContext(ctx, `SELECT count(*) FROM alerts WHERE `+cond, f.Args()...).Scan(&page.Total)
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
		query += ` LIMIT ` + f.Arg(limit) + ` OFFSET ` + f.Arg(max(q.Offset, 0))
	}
	rows, err := t.q.QueryContext(ctx, query, f.Args()...)
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
	counted, expired := store.NewAlertFilter(placeholder), store.NewAlertFilter(placeholder)
	counted.AddSQL(`1`)
	counted.AddCounted(q, ``)
	expired.Add(`updated_at`, `<`, notBefore.UnixNano())
	expired.AddCounted(q, `+`)
	var total, hidden int
	err := t.q.QueryRowContext(ctx, `SELECT coalesce(sum(n), 0) FROM alert_days WHERE `+counted.Where(), counted.Args()...).Scan(&total)
	if err != nil {
		return 0, err
	}
	err = t.q.QueryRowContext(ctx, `SELECT count(*) FROM alerts WHERE `+expired.Where(), expired.Args()...).Scan(&hidden)
	return total - hidden, err
}
