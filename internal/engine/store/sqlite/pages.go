package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

func (t *tx) AuditLog(ctx context.Context, q engine.AuditLogQuery) (engine.AuditLogPage, error) {
	page := engine.AuditLogPage{Entries: []engine.Remediation{}}
	var where []string
	var args []any
	if q.UserID != "" {
		where, args = append(where, `user_id = ?`), append(args, q.UserID)
	}
	if q.AlertID != "" {
		where, args = append(where, `alert_id = ?`), append(args, q.AlertID)
	}
	cond := ``
	if len(where) > 0 {
		cond = ` WHERE ` + strings.Join(where, ` AND `)
	}
	if err := t.q.QueryRowContext(ctx, `SELECT count(*) FROM remediations`+cond, args...).Scan(&page.Total); err != nil {
		return page, err
	}
	if q.Limit <= 0 {
		return page, nil
	}
	rows, err := t.q.QueryContext(ctx, `SELECT time, user_id, alert_id, policy, actions, outcome FROM remediations`+cond+
		` ORDER BY seq DESC LIMIT ? OFFSET ?`, append(args, q.Limit, max(q.Offset, 0))...)
	if err != nil {
		return page, err
	}
	err = scanAll(rows, func(rows *sql.Rows) error {
		var r engine.Remediation
		var at int64
		var actions string
		if err := rows.Scan(&at, &r.UserID, &r.AlertID, &r.Policy, &actions, &r.Outcome); err != nil {
			return err
		}
		r.Time = time.Unix(0, at).UTC()
		if err := json.Unmarshal([]byte(actions), &r.Actions); err != nil {
			return err
		}
		page.Entries = append(page.Entries, r)
		return nil
	})
	return page, err
}

func (t *tx) UserRisksByRecency(ctx context.Context, offset, limit int) ([]engine.UserRisk, int, error) {
	var total int
	if err := t.q.QueryRowContext(ctx, `SELECT count(*) FROM user_risks`).Scan(&total); err != nil {
		return nil, 0, err
	}
	out := []engine.UserRisk{}
	if limit <= 0 {
		return out, total, nil
	}
	rows, err := t.q.QueryContext(ctx, `SELECT user_id, upn, risk_level, risk_state, remediated_at FROM user_risks
		ORDER BY remediated_at DESC, user_id DESC LIMIT ? OFFSET ?`, limit, max(offset, 0))
	if err != nil {
		return nil, 0, err
	}
	err = scanAll(rows, func(rows *sql.Rows) error {
		var u engine.UserRisk
		var at int64
		if err := rows.Scan(&u.UserID, &u.UserPrincipalName, &u.RiskLevel, &u.RiskState, &at); err != nil {
			return err
		}
		u.RemediatedAt = time.Unix(0, at).UTC()
		out = append(out, u)
		return nil
	})
	return out, total, err
}
