package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

const alertColumns = `grp, id, policy, severity, status, user_id, upn, display_name, detection_count, risk_event_types, first_seen, last_seen, created_at, updated_at`

func scanAlert(rows pgx.Rows) (engine.Alert, error) {
	var a engine.Alert
	var severity int16
	var types, status string
	var first, last, created, updated int64
	var grp []byte
	var count int32
	if err := rows.Scan(&grp, &a.ID, &a.Policy, &severity, &status, &a.UserID, &a.UserPrincipalName, &a.UserDisplayName,
		&count, &types, &first, &last, &created, &updated); err != nil {
		return a, err
	}
	copy(a.Group[:], grp)
	a.Status = engine.AlertStatus(status)
	a.DetectionCount = int(count)
	a.Severity = engine.SeverityOfRank(int(severity))
	if err := json.Unmarshal([]byte(types), &a.RiskEventTypes); err != nil {
		return a, fmt.Errorf("reading a stored alert: %w", err)
	}
	a.FirstSeen = time.Unix(0, first).UTC()
	a.LastSeen = time.Unix(0, last).UTC()
	a.CreatedAt = time.Unix(0, created).UTC()
	a.UpdatedAt = time.Unix(0, updated).UTC()
	return a, nil
}

func (t *tx) Alerts(ctx context.Context, groups []engine.GroupKey) (map[engine.GroupKey]engine.Alert, error) {
	out := make(map[engine.GroupKey]engine.Alert)
	err := chunks(len(groups), func(start, end int) error {
		rows, err := t.q.Query(ctx, `SELECT `+alertColumns+` FROM alerts WHERE grp = ANY($1)`, groupArgs(groups, start, end))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			a, err := scanAlert(rows)
			if err != nil {
				return err
			}
			out[a.Group] = a
		}
		return rows.Err()
	})
	return out, err
}

// PutAlerts upserts by group, in group order.
func (t *tx) PutAlerts(ctx context.Context, as []engine.Alert) error {
	as = lastOfEach(as, func(a, b *engine.Alert) int { return bytes.Compare(a.Group[:], b.Group[:]) })
	if len(as) == 0 {
		return nil
	}
	// The bound time-range queries rely on (migration 0006). The row is
	// locked only when the bound grows, which soon stops happening.
	longest := store.LongestSpan(as)
	if _, err := t.q.Exec(ctx, `UPDATE alert_span SET longest = $1 WHERE longest < $1`, longest); err != nil {
		return err
	}
	return chunks(len(as), func(start, end int) error {
		n := end - start
		var (
			grps                                               = make([][]byte, 0, n)
			ids, policies, statuses, users, upns, names, types = make([]string, 0, n), make([]string, 0, n), make([]string, 0, n),
				make([]string, 0, n), make([]string, 0, n), make([]string, 0, n), make([]string, 0, n)
			severities                        = make([]int16, 0, n)
			counts                            = make([]int32, 0, n)
			firsts, lasts, createds, updateds = make([]int64, 0, n), make([]int64, 0, n), make([]int64, 0, n), make([]int64, 0, n)
			folded                            = make([]string, 0, n)
		)
		for i := start; i < end; i++ {
			a := &as[i]
			ts, err := json.Marshal(nonNil(a.RiskEventTypes))
			if err != nil {
				return err
			}
			grps = append(grps, a.Group[:])
			ids = append(ids, a.ID)
			policies = append(policies, a.Policy)
			severities = append(severities, int16(a.Severity.Rank()))
			statuses = append(statuses, string(a.Status))
			users = append(users, a.UserID)
			upns = append(upns, a.UserPrincipalName)
			names = append(names, a.UserDisplayName)
			counts = append(counts, int32(a.DetectionCount))
			types = append(types, string(ts))
			firsts = append(firsts, a.FirstSeen.UnixNano())
			lasts = append(lasts, a.LastSeen.UnixNano())
			createds = append(createds, a.CreatedAt.UnixNano())
			updateds = append(updateds, a.UpdatedAt.UnixNano())
			folded = append(folded, engine.FoldUserPrincipalName(a.UserPrincipalName))
		}
		_, err := t.q.Exec(ctx, `INSERT INTO alerts (`+alertColumns+`, upn_folded)
			SELECT * FROM unnest($1::bytea[], $2::text[], $3::text[], $4::int2[], $5::text[], $6::text[], $7::text[], $8::text[],
				$9::int4[], $10::text[], $11::int8[], $12::int8[], $13::int8[], $14::int8[], $15::text[])
			ON CONFLICT (grp) DO UPDATE SET id = excluded.id, policy = excluded.policy, severity = excluded.severity,
				status = excluded.status, user_id = excluded.user_id, upn = excluded.upn, display_name = excluded.display_name,
				detection_count = excluded.detection_count, risk_event_types = excluded.risk_event_types,
				first_seen = excluded.first_seen, last_seen = excluded.last_seen, created_at = excluded.created_at,
				updated_at = excluded.updated_at, upn_folded = excluded.upn_folded`,
			grps, ids, policies, severities, statuses, users, upns, names, counts, types, firsts, lasts, createds, updateds, folded)
		return err
	})
}

func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}

func (t *tx) DeleteAlerts(ctx context.Context, groups []engine.GroupKey) error {
	return chunks(len(groups), func(start, end int) error {
		_, err := t.q.Exec(ctx, `DELETE FROM alerts WHERE grp = ANY($1)`, groupArgs(groups, start, end))
		return err
	})
}

// PurgeAlerts deletes alerts last updated before cutoff. It locks their
// groups first, like any other writer of alerts: an ingest that read one of
// them either commits before the purge or reads after it. It counts what
// the deletes return, not what it selected: an alert updated in between
// is not deleted.
func (t *tx) PurgeAlerts(ctx context.Context, cutoff time.Time, purged *store.AlertCounts) (int64, error) {
	rows, err := t.q.Query(ctx, `SELECT grp FROM alerts WHERE updated_at < $1`, cutoff.UnixNano())
	if err != nil {
		return 0, err
	}
	grps, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil || len(grps) == 0 {
		return 0, err
	}
	groups := make([]engine.GroupKey, len(grps))
	for i, g := range grps {
		copy(groups[i][:], g)
	}
	if err := t.Lock(ctx, store.LockKeys{Groups: groups}); err != nil {
		return 0, err
	}
	var n int64
	err = chunks(len(groups), func(start, end int) error {
		deleted, err := t.countAlerts(ctx, `DELETE FROM alerts WHERE grp = ANY($1) AND updated_at < $2 RETURNING `+alertColumns,
			groupArgs(groups, start, end), cutoff.UnixNano())
		for _, d := range deleted.Days {
			n += d
		}
		if purged != nil {
			purged.Merge(deleted, 1)
		}
		return err
	})
	return n, err
}
