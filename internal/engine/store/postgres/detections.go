package postgres

import (
	"bytes"
	"context"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
	"github.com/idp/terraform-provider-idp/internal/engine/store/codec"
)

func (t *tx) Detections(ctx context.Context, keys []engine.DetectionKey) (map[engine.DetectionKey]store.StoredDetection, error) {
	out := make(map[engine.DetectionKey]store.StoredDetection)
	err := chunks(len(keys), func(start, end int) error {
		arg := make([][]byte, 0, end-start)
		for i := start; i < end; i++ {
			arg = append(arg, keys[i][:])
		}
		rows, err := t.q.Query(ctx, `SELECT key, version, groups, record_block, record_index FROM detections WHERE key = ANY($1)`, arg)
		if err != nil {
			return err
		}
		defer rows.Close()
		var key, groups []byte
		var version int64
		var block, index *int64
		for rows.Next() {
			if err := rows.Scan(&key, &version, &groups, &block, &index); err != nil {
				return err
			}
			d := store.StoredDetection{Version: time.Unix(0, version).UTC(), Groups: codec.DecodeGroups(groups)}
			if block != nil && index != nil {
				d.Record = store.RecordRef{Block: *block, Index: int(*index)}
			}
			copy(d.Key[:], key)
			out[d.Key] = d
		}
		return rows.Err()
	})
	return out, err
}

// UpsertDetections writes, in key order, each detection newer than its
// stored copy (or new), and returns what each write replaced. It reads the
// stored copies first and sends only the detections that are newer: the
// caller holds the keys' locks, so nothing changes in between. (One
// statement with the read in a WITH clause costs more: its index scan then
// wades through the entries the insert just added.) The insert still checks
// the version and reports what it wrote, so a caller without the locks can
// lose a race but never turn a detection back to an older copy.
func (t *tx) UpsertDetections(ctx context.Context, ds []store.StoredDetection) (map[engine.DetectionKey]*store.StoredDetection, error) {
	ds = lastOfEach(ds, func(a, b *store.StoredDetection) int { return bytes.Compare(a.Key[:], b.Key[:]) })
	out := make(map[engine.DetectionKey]*store.StoredDetection, len(ds))
	err := chunks(len(ds), func(start, end int) error {
		all := make([]engine.DetectionKey, 0, end-start)
		for i := start; i < end; i++ {
			all = append(all, ds[i].Key)
		}
		stored, err := t.Detections(ctx, all)
		if err != nil {
			return err
		}
		keys := make([][]byte, 0, end-start)
		versions := make([]int64, 0, end-start)
		groups := make([][]byte, 0, end-start)
		blocks := make([]*int64, 0, end-start)
		indexes := make([]int32, 0, end-start)
		for i := start; i < end; i++ {
			d := &ds[i]
			if old, ok := stored[d.Key]; ok && !d.Version.After(old.Version) {
				continue
			}
			keys = append(keys, d.Key[:])
			versions = append(versions, d.Version.UnixNano())
			groups = append(groups, codec.EncodeGroups(d.Groups))
			blocks = append(blocks, recordBlock(d.Record))
			indexes = append(indexes, int32(d.Record.Index))
		}
		if len(keys) == 0 {
			return nil
		}
		rows, err := t.q.Query(ctx, `INSERT INTO detections (key, version, groups, record_block, record_index)
			SELECT * FROM unnest($1::bytea[], $2::int8[], $3::bytea[], $4::int8[], $5::int4[])
			ON CONFLICT (key) DO UPDATE SET version = excluded.version, groups = excluded.groups,
				record_block = excluded.record_block, record_index = excluded.record_index
			WHERE excluded.version > detections.version
			RETURNING key`, keys, versions, groups, blocks, indexes)
		if err != nil {
			return err
		}
		defer rows.Close()
		var key []byte
		for rows.Next() {
			if err := rows.Scan(&key); err != nil {
				return err
			}
			var k engine.DetectionKey
			copy(k[:], key)
			var prev *store.StoredDetection
			if old, ok := stored[k]; ok {
				prev = &old
			}
			out[k] = prev
		}
		return rows.Err()
	})
	return out, err
}

func groupArgs(groups []engine.GroupKey, start, end int) [][]byte {
	arg := make([][]byte, 0, end-start)
	for i := start; i < end; i++ {
		arg = append(arg, groups[i][:])
	}
	return arg
}

func (t *tx) Members(ctx context.Context, groups []engine.GroupKey) (map[engine.GroupKey][]engine.Member, error) {
	out := make(map[engine.GroupKey][]engine.Member)
	err := chunks(len(groups), func(start, end int) error {
		rows, err := t.q.Query(ctx, `SELECT grp, det, payload FROM members WHERE grp = ANY($1)`, groupArgs(groups, start, end))
		if err != nil {
			return err
		}
		defer rows.Close()
		var grp, det, payload []byte
		for rows.Next() {
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
		}
		return rows.Err()
	})
	return out, err
}

// PutMembers upserts in key order.
func (t *tx) PutMembers(ctx context.Context, ms []store.MemberRow) error {
	ms = lastOfEach(ms, func(a, b *store.MemberRow) int {
		if c := bytes.Compare(a.Group[:], b.Group[:]); c != 0 {
			return c
		}
		return bytes.Compare(a.Detection[:], b.Detection[:])
	})
	return chunks(len(ms), func(start, end int) error {
		grps := make([][]byte, 0, end-start)
		dets := make([][]byte, 0, end-start)
		payloads := make([][]byte, 0, end-start)
		for i := start; i < end; i++ {
			grps = append(grps, ms[i].Group[:])
			dets = append(dets, ms[i].Detection[:])
			payloads = append(payloads, ms[i].Payload.Bytes())
		}
		_, err := t.q.Exec(ctx, `INSERT INTO members (grp, det, payload)
			SELECT * FROM unnest($1::bytea[], $2::bytea[], $3::bytea[])
			ON CONFLICT (grp, det) DO UPDATE SET payload = excluded.payload`,
			grps, dets, payloads)
		return err
	})
}

func (t *tx) DeleteMembers(ctx context.Context, refs []store.MemberRef) error {
	return chunks(len(refs), func(start, end int) error {
		grps := make([][]byte, 0, end-start)
		dets := make([][]byte, 0, end-start)
		for i := start; i < end; i++ {
			grps = append(grps, refs[i].Group[:])
			dets = append(dets, refs[i].Detection[:])
		}
		_, err := t.q.Exec(ctx, `DELETE FROM members m USING unnest($1::bytea[], $2::bytea[]) AS r (grp, det)
			WHERE m.grp = r.grp AND m.det = r.det`, grps, dets)
		return err
	})
}
