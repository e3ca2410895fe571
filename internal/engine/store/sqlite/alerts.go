package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"slices"
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

func (t *tx) PutAlerts(ctx context.Context, as []engine.Alert) error {
	slices.SortFunc(as, func(a, b engine.Alert) int { return bytes.Compare(a.Group[:], b.Group[:]) })
	if len(as) == 0 {
		return nil
	}
	// The bound time-range queries rely on (migration 0006).
	longest := store.LongestSpan(as)
	if _, err := t.q.ExecContext(ctx, `UPDATE alert_span SET longest = ? WHERE longest < ?`, longest, longest); err != nil {
		return err
	}
	// Updates set only what changes as an alert grows, so that SQLite
	// leaves alone the entries of indexes on none of those columns
	// (alerts_by_id): a replace deleted and inserted every index entry of
	// every alert a batch touched. The id and policy follow from the
	// group; the user principal name rarely changes (a rename), and a
	// statement of its own sets them where they did. Then the alerts that
	// do not exist yet are inserted.
	//
	// OR ROLLBACK and OR IGNORE rather than an upsert: a multi-row
	// statement that may abort halfway makes SQLite copy every page it
	// touches into a statement journal first, which took a tenth of a
	// bulk ingest; these cannot abort halfway (a failure rolls the whole
	// transaction back, as the caller would anyway).
	err := t.execRows(ctx, `UPDATE OR ROLLBACK alerts SET severity = v.column2, status = v.column3, first_seen = v.column4,
			last_seen = v.column5, updated_at = v.column6, payload = v.column7 FROM (`,
		`) AS v WHERE alerts.grp = v.column1`, 7, len(as),
		func(i int, buf []any) []any {
			a := &as[i]
			return append(buf, a.Group[:], a.Severity.Rank(), string(a.Status),
				a.FirstSeen.UnixNano(), a.LastSeen.UnixNano(), a.UpdatedAt.UnixNano(), codec.EncodeAlertPayload(*a))
		})
	if err != nil {
		return err
	}
	err = t.execRows(ctx, `UPDATE OR ROLLBACK alerts SET id = v.column2, policy = v.column3, upn = v.column4, upn_folded = v.column5 FROM (`,
		`) AS v WHERE alerts.grp = v.column1 AND (alerts.id IS NOT v.column2 OR alerts.policy IS NOT v.column3 OR alerts.upn IS NOT v.column4)`,
		5, len(as), func(i int, buf []any) []any {
			a := &as[i]
			return append(buf, a.Group[:], a.ID, a.Policy, a.UserPrincipalName, engine.FoldUserPrincipalName(a.UserPrincipalName))
		})
	if err != nil {
		return err
	}
	return t.execRows(ctx, `INSERT OR IGNORE INTO alerts (`+alertColumns+`, upn_folded)`, ``, 11, len(as),
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
