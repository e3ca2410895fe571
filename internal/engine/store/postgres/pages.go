package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

func (t *tx) AlertByID(ctx context.Context, id string) (engine.Alert, bool, error) {
	rows, err := t.q.Query(ctx, `SELECT `+alertColumns+` FROM alerts WHERE id = $1`, id)
	if err != nil {
		return engine.Alert{}, false, err
	}
	defer rows.Close()
	if !rows.Next() {
		return engine.Alert{}, false, rows.Err()
	}
	a, err := scanAlert(rows)
	return a, err == nil, err
}

func (t *tx) AuditLog(ctx context.Context, q engine.AuditLogQuery) (engine.AuditLogPage, error) {
	page := engine.AuditLogPage{Entries: []engine.Remediation{}}
	var where []string
	var args []any
	if q.UserID != "" {
		args = append(args, q.UserID)
		where = append(where, fmt.Sprintf(`user_id = $%d`, len(args)))
	}
	if q.AlertID != "" {
		args = append(args, q.AlertID)
		where = append(where, fmt.Sprintf(`alert_id = $%d`, len(args)))
	}
	cond := ``
	if len(where) > 0 {
		cond = ` WHERE ` + strings.Join(where, ` AND `)
	}
	if err := t.q.QueryRow(ctx, `SELECT count(*) FROM remediations`+cond, args...).Scan(&page.Total); err != nil {
		return page, err
	}
	if q.Limit <= 0 {
		return page, nil
	}
	args = append(args, q.Limit, max(q.Offset, 0))
	rows, err := t.q.Query(ctx, `SELECT time, user_id, alert_id, policy, actions, outcome FROM remediations`+cond+
		fmt.Sprintf(` ORDER BY seq DESC LIMIT $%d OFFSET $%d`, len(args)-1, len(args)), args...)
	if err != nil {
		return page, err
	}
	defer rows.Close()
	for rows.Next() {
		var r engine.Remediation
		var at int64
		var actions string
		if err := rows.Scan(&at, &r.UserID, &r.AlertID, &r.Policy, &actions, &r.Outcome); err != nil {
			return page, err
		}
		r.Time = time.Unix(0, at).UTC()
		if err := json.Unmarshal([]byte(actions), &r.Actions); err != nil {
			return page, fmt.Errorf("reading the remediation log: %w", err)
		}
		page.Entries = append(page.Entries, r)
	}
	return page, rows.Err()
}

func (t *tx) UserRisksByRecency(ctx context.Context, offset, limit int) ([]engine.UserRisk, int, error) {
	var total int
	if err := t.q.QueryRow(ctx, `SELECT count(*) FROM user_risks`).Scan(&total); err != nil {
		return nil, 0, err
	}
	out := []engine.UserRisk{}
	if limit <= 0 {
		return out, total, nil
	}
	rows, err := t.q.Query(ctx, `SELECT user_id, upn, risk_level, risk_state, remediated_at FROM user_risks
		ORDER BY remediated_at DESC, user_id COLLATE "C" DESC LIMIT $1 OFFSET $2`, limit, max(offset, 0))
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
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
