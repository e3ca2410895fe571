package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

func (t *tx) DeviceVersions(ctx context.Context, ids []string) (map[string]time.Time, error) {
	sorted := slices.Clone(ids)
	slices.Sort(sorted)
	out := make(map[string]time.Time)
	err := t.queryIn(ctx, `SELECT id, last_sync FROM devices WHERE id`, ``, len(sorted),
		func(i int) any { return sorted[i] },
		func(rows *sql.Rows) error {
			var id string
			var v int64
			if err := rows.Scan(&id, &v); err != nil {
				return err
			}
			out[id] = time.Unix(0, v).UTC()
			return nil
		})
	return out, err
}

func (t *tx) PutDevices(ctx context.Context, ds []engine.Device) error {
	return t.execRows(ctx, `INSERT OR REPLACE INTO devices (id, user_id, upn, device_name, management_state, compliance_state, operating_system, last_sync)`,
		``, 8, len(ds), func(i int, buf []any) []any {
			d := &ds[i]
			return append(buf, d.ID, d.UserID, d.UserPrincipalName, d.DeviceName, d.ManagementState, d.ComplianceState,
				d.OperatingSystem, d.LastSyncDateTime.UnixNano())
		})
}

func (t *tx) ManagedUsers(ctx context.Context, userIDs []string) (map[string]bool, error) {
	sorted := slices.Clone(userIDs)
	slices.Sort(sorted)
	out := make(map[string]bool)
	err := t.queryIn(ctx, `SELECT DISTINCT user_id FROM devices WHERE management_state = 'managed' AND compliance_state = 'compliant' AND user_id`, ``, len(sorted),
		func(i int) any { return sorted[i] },
		func(rows *sql.Rows) error {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			out[id] = true
			return nil
		})
	return out, err
}

func (t *tx) UserRisks(ctx context.Context, ids []string) (map[string]engine.UserRisk, error) {
	out := make(map[string]engine.UserRisk)
	scan := func(rows *sql.Rows) error {
		var u engine.UserRisk
		var at int64
		if err := rows.Scan(&u.UserID, &u.UserPrincipalName, &u.RiskLevel, &u.RiskState, &at); err != nil {
			return err
		}
		u.RemediatedAt = time.Unix(0, at).UTC()
		out[u.UserID] = u
		return nil
	}
	const query = `SELECT user_id, upn, risk_level, risk_state, remediated_at FROM user_risks`
	if ids == nil {
		rows, err := t.q.QueryContext(ctx, query)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return nil, err
			}
		}
		return out, rows.Err()
	}
	sorted := slices.Clone(ids)
	slices.Sort(sorted)
	err := t.queryIn(ctx, query+` WHERE user_id`, ``, len(sorted), func(i int) any { return sorted[i] }, scan)
	return out, err
}

func (t *tx) PutUserRisks(ctx context.Context, us []engine.UserRisk) error {
	return t.execRows(ctx, `INSERT OR REPLACE INTO user_risks (user_id, upn, risk_level, risk_state, remediated_at)`,
		``, 5, len(us), func(i int, buf []any) []any {
			u := &us[i]
			return append(buf, u.UserID, u.UserPrincipalName, u.RiskLevel, u.RiskState, u.RemediatedAt.UnixNano())
		})
}

// UserRiskPage orders by user principal name then user id, in byte order
// (SQLite's BINARY collation), as remediate.Users sorts.
func (t *tx) UserRiskPage(ctx context.Context, page engine.Page) ([]engine.UserRisk, int, error) {
	var total int
	if err := t.q.QueryRowContext(ctx, `SELECT count(*) FROM user_risks`).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := t.q.QueryContext(ctx, `SELECT user_id, upn, risk_level, risk_state, remediated_at FROM user_risks
		ORDER BY upn, user_id LIMIT ? OFFSET ?`, sqlLimit(page.Limit), page.Offset)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []engine.UserRisk{}
	for rows.Next() {
		var u engine.UserRisk
		var at int64
		if err := rows.Scan(&u.UserID, &u.UserPrincipalName, &u.RiskLevel, &u.RiskState, &at); err != nil {
			return nil, 0, err
		}
		u.RemediatedAt = time.Unix(0, at).UTC()
		out = append(out, u)
	}
	return out, total, rows.Err()
}

// sqlLimit is a LIMIT value: SQLite takes -1 for none.
func sqlLimit(limit int) int {
	if limit <= 0 {
		return -1
	}
	return limit
}

func (t *tx) Remediations(ctx context.Context, page engine.Page) ([]engine.Remediation, int, error) {
	var total int
	if err := t.q.QueryRowContext(ctx, `SELECT count(*) FROM remediations`).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := t.q.QueryContext(ctx, `SELECT time, user_id, alert_id, policy, actions, outcome FROM remediations
		ORDER BY seq LIMIT ? OFFSET ?`, sqlLimit(page.Limit), page.Offset)
	if err != nil {
		return nil, 0, err
	}
	out, err := scanRemediations(rows)
	return out, total, err
}

func (t *tx) AppendRemediations(ctx context.Context, rs []engine.Remediation) error {
	if err := t.markWriteback(ctx, rs); err != nil {
		return err
	}
	return t.execRows(ctx, `INSERT INTO remediations (time, user_id, alert_id, policy, actions, outcome)`,
		``, 6, len(rs), func(i int, buf []any) []any {
			r := &rs[i]
			actions, _ := json.Marshal(r.Actions)
			return append(buf, r.Time.UnixNano(), r.UserID, r.AlertID, r.Policy, string(actions), r.Outcome)
		})
}
