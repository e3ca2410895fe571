package postgres

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

func (t *tx) DeviceVersions(ctx context.Context, ids []string) (map[string]time.Time, error) {
	out := make(map[string]time.Time)
	err := chunks(len(ids), func(start, end int) error {
		rows, err := t.q.Query(ctx, `SELECT id, last_sync FROM devices WHERE id = ANY($1)`, ids[start:end])
		if err != nil {
			return err
		}
		defer rows.Close()
		var id string
		var v int64
		for rows.Next() {
			if err := rows.Scan(&id, &v); err != nil {
				return err
			}
			out[id] = time.Unix(0, v).UTC()
		}
		return rows.Err()
	})
	return out, err
}

// PutDevices upserts devices, but never replaces a device with an older
// sync: devices take no lock, and two processes ingesting one device file
// must end on its newest record whichever commits last.
func (t *tx) PutDevices(ctx context.Context, ds []engine.Device) error {
	ds = lastOfEach(ds, func(a, b *engine.Device) int { return strings.Compare(a.ID, b.ID) })
	return chunks(len(ds), func(start, end int) error {
		n := end - start
		ids, users, upns, names, mgmt, comp, oses := make([]string, 0, n), make([]string, 0, n), make([]string, 0, n),
			make([]string, 0, n), make([]string, 0, n), make([]string, 0, n), make([]string, 0, n)
		syncs := make([]int64, 0, n)
		for i := start; i < end; i++ {
			d := &ds[i]
			ids = append(ids, d.ID)
			users = append(users, d.UserID)
			upns = append(upns, d.UserPrincipalName)
			names = append(names, d.DeviceName)
			mgmt = append(mgmt, d.ManagementState)
			comp = append(comp, d.ComplianceState)
			oses = append(oses, d.OperatingSystem)
			syncs = append(syncs, d.LastSyncDateTime.UnixNano())
		}
		_, err := t.q.Exec(ctx, `INSERT INTO devices (id, user_id, upn, device_name, management_state, compliance_state, operating_system, last_sync)
			SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int8[])
			ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, upn = excluded.upn, device_name = excluded.device_name,
				management_state = excluded.management_state, compliance_state = excluded.compliance_state,
				operating_system = excluded.operating_system, last_sync = excluded.last_sync
			WHERE devices.last_sync < excluded.last_sync`,
			ids, users, upns, names, mgmt, comp, oses, syncs)
		return err
	})
}

func (t *tx) ManagedUsers(ctx context.Context, userIDs []string) (map[string]bool, error) {
	out := make(map[string]bool)
	err := chunks(len(userIDs), func(start, end int) error {
		rows, err := t.q.Query(ctx, `SELECT DISTINCT user_id FROM devices
			WHERE management_state = 'managed' AND compliance_state = 'compliant' AND user_id = ANY($1)`, userIDs[start:end])
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
		for _, id := range ids {
			out[id] = true
		}
		return err
	})
	return out, err
}

func (t *tx) UserRisks(ctx context.Context, ids []string) (map[string]engine.UserRisk, error) {
	out := make(map[string]engine.UserRisk)
	scan := func(rows pgx.Rows) error {
		defer rows.Close()
		for rows.Next() {
			var u engine.UserRisk
			var at int64
			if err := rows.Scan(&u.UserID, &u.UserPrincipalName, &u.RiskLevel, &u.RiskState, &at); err != nil {
				return err
			}
			u.RemediatedAt = time.Unix(0, at).UTC()
			out[u.UserID] = u
		}
		return rows.Err()
	}
	const query = `SELECT user_id, upn, risk_level, risk_state, remediated_at FROM user_risks`
	if ids == nil {
		rows, err := t.q.Query(ctx, query)
		if err != nil {
			return nil, err
		}
		return out, scan(rows)
	}
	err := chunks(len(ids), func(start, end int) error {
		rows, err := t.q.Query(ctx, query+` WHERE user_id = ANY($1)`, ids[start:end])
		if err != nil {
			return err
		}
		return scan(rows)
	})
	return out, err
}

func (t *tx) PutUserRisks(ctx context.Context, us []engine.UserRisk) error {
	us = lastOfEach(us, func(a, b *engine.UserRisk) int { return strings.Compare(a.UserID, b.UserID) })
	return chunks(len(us), func(start, end int) error {
		n := end - start
		ids, upns, levels, states := make([]string, 0, n), make([]string, 0, n), make([]string, 0, n), make([]string, 0, n)
		ats := make([]int64, 0, n)
		for i := start; i < end; i++ {
			u := &us[i]
			ids = append(ids, u.UserID)
			upns = append(upns, u.UserPrincipalName)
			levels = append(levels, u.RiskLevel)
			states = append(states, u.RiskState)
			ats = append(ats, u.RemediatedAt.UnixNano())
		}
		_, err := t.q.Exec(ctx, `INSERT INTO user_risks (user_id, upn, risk_level, risk_state, remediated_at)
			SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int8[])
			ON CONFLICT (user_id) DO UPDATE SET upn = excluded.upn, risk_level = excluded.risk_level,
				risk_state = excluded.risk_state, remediated_at = excluded.remediated_at`,
			ids, upns, levels, states, ats)
		return err
	})
}

// UserRiskPage orders by user principal name then user id in byte order
// (the "C" collation), as SQLite and remediate.Users do.
func (t *tx) UserRiskPage(ctx context.Context, page engine.Page) ([]engine.UserRisk, int, error) {
	var total int
	if err := t.q.QueryRow(ctx, `SELECT count(*) FROM user_risks`).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := t.q.Query(ctx, `SELECT user_id, upn, risk_level, risk_state, remediated_at FROM user_risks
		ORDER BY upn COLLATE "C", user_id COLLATE "C" LIMIT $1 OFFSET $2`, pgLimit(page.Limit), page.Offset)
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

// pgLimit is a LIMIT value: NULL is none.
func pgLimit(limit int) *int {
	if limit <= 0 {
		return nil
	}
	return &limit
}

func (t *tx) Remediations(ctx context.Context, page engine.Page) ([]engine.Remediation, int, error) {
	var total int
	if err := t.q.QueryRow(ctx, `SELECT count(*) FROM remediations`).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := t.q.Query(ctx, `SELECT time, user_id, alert_id, policy, actions, outcome FROM remediations
		ORDER BY seq LIMIT $1 OFFSET $2`, pgLimit(page.Limit), page.Offset)
	if err != nil {
		return nil, 0, err
	}
	out, err := scanRemediations(rows)
	return out, total, err
}

// AppendRemediations copies the entries in: the log only grows, so there is
// nothing to merge, and COPY keeps their order in the sequence.
func (t *tx) AppendRemediations(ctx context.Context, rs []engine.Remediation) error {
	if len(rs) == 0 {
		return nil
	}
	if err := t.markWriteback(ctx, rs); err != nil {
		return err
	}
	_, err := t.q.CopyFrom(ctx, pgx.Identifier{"remediations"}, []string{"time", "user_id", "alert_id", "policy", "actions", "outcome"},
		pgx.CopyFromSlice(len(rs), func(i int) ([]any, error) {
			r := &rs[i]
			actions, err := json.Marshal(nonNil(r.Actions))
			return []any{r.Time.UnixNano(), r.UserID, r.AlertID, r.Policy, string(actions), r.Outcome}, err
		}))
	return err
}
