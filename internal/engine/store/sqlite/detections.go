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

func (t *tx) Detections(ctx context.Context, keys []engine.DetectionKey) (map[engine.DetectionKey]store.StoredDetection, error) {
	sorted := keys
	slices.SortFunc(sorted, func(a, b engine.DetectionKey) int { return bytes.Compare(a[:], b[:]) })
	out := make(map[engine.DetectionKey]store.StoredDetection)
	err := t.queryIn(ctx, `SELECT key, version, groups, record_block, record_index FROM detections WHERE key`, ``, len(sorted),
		func(i int) any { return sorted[i][:] },
		func(rows *sql.Rows) error {
			var key, groups []byte
			var version int64
			var block, index sql.NullInt64
			if err := rows.Scan(&key, &version, &groups, &block, &index); err != nil {
				return err
			}
			d := store.StoredDetection{Version: time.Unix(0, version).UTC(), Groups: codec.DecodeGroups(groups),
				Record: store.RecordRef{Block: block.Int64, Index: int(index.Int64)}}
			copy(d.Key[:], key)
			out[d.Key] = d
			return nil
		})
	return out, err
}

// UpsertDetections writes in key order (sorting ds in place): sorted
// inserts touch each B-tree page once per batch instead of once per row.
func (t *tx) UpsertDetections(ctx context.Context, ds []store.StoredDetection) (map[engine.DetectionKey]*store.StoredDetection, error) {
	slices.SortFunc(ds, func(a, b store.StoredDetection) int { return bytes.Compare(a.Key[:], b.Key[:]) })
	out := make(map[engine.DetectionKey]*store.StoredDetection, len(ds))
	var key, prevGroups []byte
	var prevVersion sql.NullInt64
	err := t.queryRows(ctx, `INSERT INTO detections (key, version, groups, record_block, record_index)`,
		`ON CONFLICT (key) DO UPDATE SET version = excluded.version, groups = excluded.groups,
			record_block = excluded.record_block, record_index = excluded.record_index,
			prev_version = detections.version, prev_groups = coalesce(detections.groups, x'')
		WHERE excluded.version > detections.version
		RETURNING key, prev_version, prev_groups`,
		5, len(ds), func(i int, buf []any) []any {
			d := &ds[i]
			return append(buf, d.Key[:], d.Version.UnixNano(), codec.EncodeGroups(d.Groups), recordBlock(d.Record), d.Record.Index)
		},
		func(rows *sql.Rows) error {
			if err := rows.Scan(&key, &prevVersion, &prevGroups); err != nil {
				return err
			}
			var k engine.DetectionKey
			copy(k[:], key)
			var prev *store.StoredDetection
			if prevVersion.Valid {
				prev = &store.StoredDetection{Key: k, Version: time.Unix(0, prevVersion.Int64).UTC(), Groups: codec.DecodeGroups(prevGroups)}
			}
			out[k] = prev
			return nil
		})
	return out, err
}

func (t *tx) Members(ctx context.Context, groups []engine.GroupKey) (map[engine.GroupKey][]engine.Member, error) {
	slices.SortFunc(groups, func(a, b engine.GroupKey) int { return bytes.Compare(a[:], b[:]) })
	out := make(map[engine.GroupKey][]engine.Member)
	var grp, det, payload []byte
	err := t.queryIn(ctx, `SELECT grp, det, payload FROM members WHERE grp`, ``, len(groups),
		func(i int) any { return groups[i][:] },
		func(rows *sql.Rows) error {
			if err := rows.Scan(&grp, &det, &payload); err != nil {
				return err
			}
			var g engine.GroupKey
			var d engine.DetectionKey
			copy(g[:], grp)
			copy(d[:], det)
			m, err := codec.DecodeMember(g, d, payload)
			if err != nil {
				return err
			}
			out[g] = append(out[g], m)
			return nil
		})
	return out, err
}

// PutMembers writes in key order. It sorts an index rather than the
// members themselves: a member is large, and swapping them costs more than
// the lookups.
func (t *tx) PutMembers(ctx context.Context, ms []store.MemberRow) error {
	order := make([]int32, len(ms))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(i, j int32) int {
		a, b := &ms[i], &ms[j]
		if c := bytes.Compare(a.Group[:], b.Group[:]); c != 0 {
			return c
		}
		return bytes.Compare(a.Detection[:], b.Detection[:])
	})
	return t.execRows(ctx, `INSERT INTO members (grp, det, payload)`,
		`ON CONFLICT (grp, det) DO UPDATE SET payload = excluded.payload`,
		3, len(ms), func(i int, buf []any) []any {
			m := &ms[order[i]]
			return append(buf, m.Group[:], m.Detection[:], m.Payload.Bytes())
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
