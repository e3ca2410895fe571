package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
	"github.com/idp/terraform-provider-idp/internal/engine/store/codec"
)

const alertColumns = `grp, id, policy, severity, status, upn, first_seen, last_seen, updated_at, payload`

func scanAlert(rows *sql.Rows) (engine.Alert, error) {
	var a engine.Alert
	var severity int
	var first, last, updated int64
	var grp, payload []byte
	if err := rows.Scan(&grp, &a.ID, &a.Policy, &severity, &a.Status, &a.UserPrincipalName, &first, &last, &updated, &payload); err != nil {
		return a, err
	}
	copy(a.Group[:], grp)
	a.Severity = engine.SeverityOfRank(severity)
	a.FirstSeen = time.Unix(0, first).UTC()
	a.LastSeen = time.Unix(0, last).UTC()
	a.UpdatedAt = time.Unix(0, updated).UTC()
	return a, codec.DecodeAlertPayload(&a, payload)
}

func (t *tx) Alerts(ctx context.Context, groups []engine.GroupKey) (map[engine.GroupKey]engine.Alert, error) {
	slices.SortFunc(groups, func(a, b engine.GroupKey) int { return bytes.Compare(a[:], b[:]) })
	out := make(map[engine.GroupKey]engine.Alert)
	err := t.queryIn(ctx, `SELECT `+alertColumns+` FROM alerts WHERE grp`, ``, len(groups),
		func(i int) any { return groups[i][:] },
		func(rows *sql.Rows) error {
			a, err := scanAlert(rows)
			if err == nil {
				out[a.Group] = a
			}
			return err
		})
	return out, err
}

func (t *tx) QueryAlerts(ctx context.Context, q engine.AlertQuery, notBefore time.Time) (engine.AlertPage, error) {
	where := []string{`updated_at >= ?`}
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
	}
	cond := strings.Join(where, ` AND `)
	page := engine.AlertPage{Alerts: []engine.Alert{}}
	if err := t.q.QueryRowContext(ctx, `SELECT count(*) FROM alerts WHERE `+cond, args...).Scan(&page.Total); err != nil {
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

func (t *tx) PutAlerts(ctx context.Context, as []engine.Alert) error {
	slices.SortFunc(as, func(a, b engine.Alert) int { return bytes.Compare(a.Group[:], b.Group[:]) })
	return t.execRows(ctx, `INSERT OR REPLACE INTO alerts (`+alertColumns+`, upn_folded)`, ``, 11, len(as),
		func(i int, buf []any) []any {
			a := &as[i]
			return append(buf, a.Group[:], a.ID, a.Policy, a.Severity.Rank(), string(a.Status), a.UserPrincipalName,
				a.FirstSeen.UnixNano(), a.LastSeen.UnixNano(), a.UpdatedAt.UnixNano(), codec.EncodeAlertPayload(*a),
				engine.FoldUserPrincipalName(a.UserPrincipalName))
		})
}

func (t *tx) DeleteAlerts(ctx context.Context, groups []engine.GroupKey) error {
	st, err := t.stmt(ctx, `DELETE FROM alerts WHERE grp = ?`)
	if err != nil {
		return err
	}
	for _, g := range groups {
		if _, err := st.ExecContext(ctx, g[:]); err != nil {
			return err
		}
	}
	return nil
}

// PurgeAlerts reads what it deletes first when asked to count it: SQLite
// has one writer, so nothing changes in between.
func (t *tx) PurgeAlerts(ctx context.Context, cutoff time.Time, purged *store.AlertCounts) (int64, error) {
	if purged != nil {
		expired, err := t.ExpiredAlertCounts(ctx, cutoff)
		if err != nil {
			return 0, err
		}
		purged.Merge(expired, 1)
	}
	res, err := t.q.ExecContext(ctx, `DELETE FROM alerts WHERE updated_at < ?`, cutoff.UnixNano())
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (t *tx) AlertByID(ctx context.Context, id string) (engine.Alert, bool, error) {
	rows, err := t.q.QueryContext(ctx, `SELECT `+alertColumns+` FROM alerts WHERE id = ?`, id)
	if err != nil {
		return engine.Alert{}, false, err
	}
	var a engine.Alert
	found := false
	err = scanAll(rows, func(rows *sql.Rows) error {
		var err error
		a, err = scanAlert(rows)
		found = true
		return err
	})
	return a, found && err == nil, err
}
