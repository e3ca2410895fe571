package postgres

import (
	"context"
	"encoding/binary"
	"hash/fnv"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

// rowsPerStatement bounds the rows (or keys) one statement carries in its
// arrays: large enough that per-statement costs vanish, small enough that
// one statement's parameters stay a few megabytes.
const rowsPerStatement = 10_000

// tx is a read or write transaction.
type tx struct {
	q pgx.Tx
	// held are the lock buckets this transaction holds.
	held map[int32]bool
}

func newTx(q pgx.Tx) *tx { return &tx{q: q, held: map[int32]bool{}} }

// Lock kinds, in the order every transaction takes them.
const (
	kindSettings   = 0
	kindDetections = 1
	kindGroups     = 2
	kindUsers      = 3

	// buckets per kind: enough that small concurrent batches rarely share
	// one, few enough that locking all of them stays cheap.
	buckets = 4096
)

func lockID(kind int32, bucket uint64) int32 { return kind<<16 | int32(bucket%buckets) }

// DetectionBucket, GroupBucket and UserBucket are the lock rows of a key;
// exported for tests that prove two keys do or do not conflict.
func DetectionBucket(k engine.DetectionKey) int32 {
	// Detection keys are hashes already.
	return lockID(kindDetections, uint64(binary.BigEndian.Uint16(k[:2])))
}

func GroupBucket(g engine.GroupKey) int32 {
	h := fnv.New64a()
	h.Write(g[:])
	return lockID(kindGroups, h.Sum64())
}

func UserBucket(userID string) int32 {
	h := fnv.New64a()
	h.Write([]byte(userID))
	return lockID(kindUsers, h.Sum64())
}

// Lock takes, in ascending order, the row locks of the buckets of keys that
// this transaction does not hold yet, and keeps them until it ends.
func (t *tx) Lock(ctx context.Context, keys store.LockKeys) error {
	var ids []int32
	add := func(id int32) {
		if !t.held[id] {
			t.held[id] = true
			ids = append(ids, id)
		}
	}
	if keys.Settings {
		add(lockID(kindSettings, 0))
	}
	for _, k := range keys.Detections {
		add(DetectionBucket(k))
	}
	for _, g := range keys.Groups {
		add(GroupBucket(g))
	}
	for _, u := range keys.Users {
		add(UserBucket(u))
	}
	if len(ids) == 0 {
		return nil
	}
	slices.Sort(ids)
	// ORDER BY puts the sort below the row locking, so rows are locked in
	// id order.
	_, err := t.q.Exec(ctx, `SELECT id FROM lock_buckets WHERE id = ANY($1) ORDER BY id FOR UPDATE`, ids)
	return err
}

// chunks calls fn with successive [start, end) ranges of n items.
func chunks(n int, fn func(start, end int) error) error {
	for start := 0; start < n; start += rowsPerStatement {
		if err := fn(start, min(start+rowsPerStatement, n)); err != nil {
			return err
		}
	}
	return nil
}

// lastOfEach returns xs sorted by key, keeping only the last of each run
// of equal keys: one statement may not upsert a row twice, and the last
// write is the one a row-by-row store would keep. It sorts positions, not
// the (large) elements, and leaves xs as it was.
func lastOfEach[T any](xs []T, cmp func(a, b *T) int) []T {
	order := make([]int32, len(xs))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(i, j int32) int {
		if c := cmp(&xs[i], &xs[j]); c != 0 {
			return c
		}
		return int(i - j)
	})
	out := make([]T, 0, len(xs))
	for k, i := range order {
		if k+1 < len(order) && cmp(&xs[i], &xs[order[k+1]]) == 0 {
			continue
		}
		out = append(out, xs[i])
	}
	return out
}
