package storetest

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

// testKeptRecords: a detection names its text by block and index; a newer
// copy names its own; retention hides and purges blocks by the time they
// were stored; and block ids are never handed out twice, not even after
// their blocks are purged.
func testKeptRecords(t *testing.T, s store.Store) {
	k1, k2, k3, k4 := engine.KeyOf("d1"), engine.KeyOf("d2"), engine.KeyOf("d3"), engine.KeyOf("d4")
	var ids []int64
	update(t, s, func(tx store.Tx) error {
		var err error
		if ids, err = tx.RecordBlockIDs(ctx, 2); err != nil {
			return err
		}
		if len(ids) != 2 || ids[0] <= 0 || ids[1] <= 0 || ids[0] == ids[1] {
			t.Fatalf("RecordBlockIDs(2) = %v, want two distinct positive ids", ids)
		}
		if err := tx.PutRecordBlocks(ctx, []store.RecordBlock{
			{ID: ids[0], StoredAt: at(0), Data: []byte("block a")},
			{ID: ids[1], StoredAt: at(time.Hour), Data: []byte("block b")},
		}); err != nil {
			return err
		}
		_, err = tx.UpsertDetections(ctx, []store.StoredDetection{
			{Key: k1, Version: at(0), Record: store.RecordRef{Block: ids[0], Index: 5}},
			{Key: k2, Version: at(0), Record: store.RecordRef{Block: ids[1], Index: 7}},
			{Key: k3, Version: at(0)},
			{Key: k4, Version: at(0), Record: store.RecordRef{Block: ids[0], Index: 0}},
		})
		return err
	})
	wantRecord := func(key engine.DetectionKey, notBefore time.Time, block string, index int) {
		t.Helper()
		view(t, s, func(r store.Reader) error {
			data, i, found, err := r.DetectionRecord(ctx, key, notBefore)
			if err != nil {
				return err
			}
			if block == "" {
				if found {
					t.Errorf("DetectionRecord = %q, %d; want none", data, i)
				}
				return nil
			}
			if !found || !bytes.Equal(data, []byte(block)) || i != index {
				t.Errorf("DetectionRecord = %q, %d, %v; want %q, %d", data, i, found, block, index)
			}
			return nil
		})
	}
	wantRecord(k1, at(-time.Hour), "block a", 5)
	wantRecord(k2, at(-time.Hour), "block b", 7)
	wantRecord(k3, at(-time.Hour), "", 0)                   // kept no text
	wantRecord(engine.KeyOf("nope"), at(-time.Hour), "", 0) // unknown
	wantRecord(k2, at(2*time.Hour), "", 0)                  // stored before notBefore: hidden
	view(t, s, func(r store.Reader) error {
		got, err := r.Detections(ctx, []engine.DetectionKey{k1, k3})
		if err == nil && (got[k1].Record != store.RecordRef{Block: ids[0], Index: 5} || got[k3].Record != store.RecordRef{}) {
			t.Errorf("Detections records = %+v, %+v", got[k1].Record, got[k3].Record)
		}
		return err
	})

	// A newer copy names its own text; an older one changes nothing.
	update(t, s, func(tx store.Tx) error {
		_, err := tx.UpsertDetections(ctx, []store.StoredDetection{
			{Key: k1, Version: at(time.Minute), Record: store.RecordRef{Block: ids[1], Index: 8}},
			{Key: k2, Version: at(-time.Minute), Record: store.RecordRef{Block: ids[0], Index: 1}},
		})
		return err
	})
	wantRecord(k1, at(-time.Hour), "block b", 8)
	wantRecord(k2, at(-time.Hour), "block b", 7)

	update(t, s, func(tx store.Tx) error {
		n, err := tx.PurgeRecordBlocks(ctx, at(30*time.Minute))
		if err == nil && n != 1 {
			t.Errorf("purged %d blocks, want 1", n)
		}
		return err
	})
	wantRecord(k4, at(-time.Hour), "", 0) // its block is purged
	wantRecord(k1, at(-time.Hour), "block b", 8)

	update(t, s, func(tx store.Tx) error {
		if _, err := tx.PurgeRecordBlocks(ctx, at(2*time.Hour)); err != nil {
			return err
		}
		next, err := tx.RecordBlockIDs(ctx, 3)
		if err != nil {
			return err
		}
		for _, id := range next {
			if slices.Contains(ids, id) || id <= 0 {
				t.Errorf("RecordBlockIDs after a purge = %v: hands out an id of %v again", next, ids)
			}
		}
		return nil
	})
	wantRecord(k1, at(-time.Hour), "", 0)
}
