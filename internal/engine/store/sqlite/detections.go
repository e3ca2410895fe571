package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"slices"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

func (t *tx) Detections(ctx context.Context, keys []engine.DetectionKey) (map[engine.DetectionKey]store.StoredDetection, error) {
	sorted := slices.Clone(keys)
	slices.SortFunc(sorted, func(a, b engine.DetectionKey) int { return bytes.Compare(a[:], b[:]) })
	out := make(map[engine.DetectionKey]store.StoredDetection)
	err := t.queryIn(ctx, `SELECT key, version, groups FROM detections WHERE key`, ``, len(sorted),
		func(i int) any { return sorted[i][:] },
		func(rows *sql.Rows) error {
			var key, groups []byte
			var version int64
			if err := rows.Scan(&key, &version, &groups); err != nil {
				return err
			}
			d := store.StoredDetection{Version: time.Unix(0, version).UTC(), Groups: decodeGroups(groups)}
			copy(d.Key[:], key)
			out[d.Key] = d
			return nil
		})
	return out, err
}

// PutDetections writes in key order: sorted inserts touch each B-tree page
// once per batch instead of once per row.
func (t *tx) PutDetections(ctx context.Context, ds []store.StoredDetection) error {
	sorted := slices.Clone(ds)
	slices.SortFunc(sorted, func(a, b store.StoredDetection) int { return bytes.Compare(a.Key[:], b.Key[:]) })
	return t.execRows(ctx, `INSERT INTO detections (key, version, groups)`,
		`ON CONFLICT (key) DO UPDATE SET version = excluded.version, groups = excluded.groups`,
		3, len(sorted), func(i int, buf []any) []any {
			d := &sorted[i]
			return append(buf, d.Key[:], d.Version.UnixNano(), encodeGroups(d.Groups))
		})
}

func encodeGroups(gs []engine.GroupKey) []byte {
	if len(gs) == 0 {
		return nil
	}
	b := make([]byte, 0, len(gs)*len(engine.GroupKey{}))
	for _, g := range gs {
		b = append(b, g[:]...)
	}
	return b
}

func decodeGroups(b []byte) []engine.GroupKey {
	size := len(engine.GroupKey{})
	out := make([]engine.GroupKey, 0, len(b)/size)
	for len(b) >= size {
		var g engine.GroupKey
		copy(g[:], b[:size])
		out = append(out, g)
		b = b[size:]
	}
	return out
}

func (t *tx) Members(ctx context.Context, groups []engine.GroupKey) (map[engine.GroupKey][]engine.Member, error) {
	sorted := slices.Clone(groups)
	slices.SortFunc(sorted, func(a, b engine.GroupKey) int { return bytes.Compare(a[:], b[:]) })
	out := make(map[engine.GroupKey][]engine.Member)
	err := t.queryIn(ctx, `SELECT grp, det, activity, severity, open, risk_event_type, user_id, upn, display_name FROM members WHERE grp`, ``, len(sorted),
		func(i int) any { return sorted[i][:] },
		func(rows *sql.Rows) error {
			var grp, det []byte
			var activity int64
			var severity int
			var m engine.Member
			if err := rows.Scan(&grp, &det, &activity, &severity, &m.Open, &m.RiskEventType, &m.UserID, &m.UserPrincipalName, &m.UserDisplayName); err != nil {
				return err
			}
			copy(m.Group[:], grp)
			copy(m.Detection[:], det)
			m.ActivityTime = time.Unix(0, activity).UTC()
			m.Severity = engine.SeverityOfRank(severity)
			out[m.Group] = append(out[m.Group], m)
			return nil
		})
	return out, err
}

func (t *tx) PutMembers(ctx context.Context, ms []engine.Member) error {
	sorted := slices.Clone(ms)
	slices.SortFunc(sorted, func(a, b engine.Member) int {
		if c := bytes.Compare(a.Group[:], b.Group[:]); c != 0 {
			return c
		}
		return bytes.Compare(a.Detection[:], b.Detection[:])
	})
	return t.execRows(ctx, `INSERT INTO members (grp, det, activity, severity, open, risk_event_type, user_id, upn, display_name)`,
		`ON CONFLICT (grp, det) DO UPDATE SET activity = excluded.activity, severity = excluded.severity, open = excluded.open,
			risk_event_type = excluded.risk_event_type, user_id = excluded.user_id, upn = excluded.upn, display_name = excluded.display_name`,
		9, len(sorted), func(i int, buf []any) []any {
			m := &sorted[i]
			return append(buf, m.Group[:], m.Detection[:], m.ActivityTime.UnixNano(), m.Severity.Rank(), m.Open,
				m.RiskEventType, m.UserID, m.UserPrincipalName, m.UserDisplayName)
		})
}

func (t *tx) DeleteMembers(ctx context.Context, refs []store.MemberRef) error {
	st, err := t.stmt(ctx, `DELETE FROM members WHERE grp = ? AND det = ?`)
	if err != nil {
		return err
	}
	for _, r := range refs {
		if _, err := st.ExecContext(ctx, r.Group[:], r.Detection[:]); err != nil {
			return err
		}
	}
	return nil
}
