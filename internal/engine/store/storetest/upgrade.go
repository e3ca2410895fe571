package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

// LegacyEntry is a quarantine entry as the first layout stored it (whole
// text in uncompressed parts, the full 32-byte digest), for the backends'
// upgrade tests to write.
type LegacyEntry struct {
	Reason, Source string
	Line           int64
	Raw            []byte
}

// Digest is the entry's digest as the engine computes it.
func (e LegacyEntry) Digest() []byte {
	d := sha256.Sum256(fmt.Appendf(nil, "%s\x00%d\x00%s", e.Source, e.Line, e.Raw))
	return d[:]
}

// Parts cuts the text as the first layout did.
func (e LegacyEntry) Parts() [][]byte {
	var parts [][]byte
	for start := 0; start < len(e.Raw); start += store.QuarantinePartSize {
		parts = append(parts, e.Raw[start:min(len(e.Raw), start+store.QuarantinePartSize)])
	}
	return parts
}

// LegacyQuarantine is what the upgrade tests store in the first layout: a
// small text, one of three parts with bytes that are no text, and an
// empty one.
func LegacyQuarantine() []LegacyEntry {
	return []LegacyEntry{
		{"not valid JSON", "a.ndjson", 7, []byte("{nope")},
		{"too large", "-", 9, bytes.Repeat([]byte("\x00\xffpart"), (5*store.QuarantinePartSize/2)/6)},
		{"empty", "push", 1, nil},
	}
}

// CheckUpgradedQuarantine checks a store upgraded from the first layout
// with the entries old, quarantined at when: every entry keeps its fields
// and its whole text, its digest still recognizes the record (appending it
// again adds nothing), and a new entry comes after them.
func CheckUpgradedQuarantine(t *testing.T, s store.Store, old []LegacyEntry, when time.Time) {
	t.Helper()
	ctx := context.Background()
	err := s.Update(ctx, func(tx store.Tx) error {
		var rs []store.QuarantineRecord
		for _, e := range append(old, LegacyEntry{"new", "b.ndjson", 1, []byte("new")}) {
			rs = append(rs, store.QuarantineRecord{Entry: engine.QuarantineEntry{Reason: e.Reason, Source: e.Source, Line: e.Line,
				QuarantinedAt: when.Add(time.Hour)}, Raw: bytes.NewReader(e.Raw), Digest: [32]byte(e.Digest())})
		}
		return tx.AppendQuarantine(ctx, rs)
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.View(ctx, func(r store.Reader) error {
		page, err := r.Quarantine(ctx, engine.QuarantineQuery{RawLimit: 100, Count: true})
		if err != nil {
			return err
		}
		if page.Total != len(old)+1 || page.Entries[len(old)].Reason != "new" {
			t.Fatalf("after the upgrade: %+v", page.Entries)
		}
		for i, e := range old {
			got := page.Entries[i]
			if got.Reason != e.Reason || got.Source != e.Source || got.Line != e.Line || got.Size != int64(len(e.Raw)) || !got.QuarantinedAt.Equal(when) {
				t.Fatalf("entry %d moved as %+v, want %+v", i, got, e)
			}
			var text bytes.Buffer
			if found, err := r.QuarantineText(ctx, got.ID, &text); err != nil || !found || !bytes.Equal(text.Bytes(), e.Raw) {
				t.Fatalf("entry %d: %d bytes of text (found %v, %v), want its %d", i, text.Len(), found, err, len(e.Raw))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// CheckKeptRecordsUpgrade checks a store opened over one that detection
// key was written to before texts were kept (at version, Unix
// nanoseconds): the detection is there with no text, and a newer copy
// keeps its own.
func CheckKeptRecordsUpgrade(t *testing.T, s store.Store, key engine.DetectionKey, version int64) {
	t.Helper()
	ctx := context.Background()
	err := s.View(ctx, func(r store.Reader) error {
		got, err := r.Detections(ctx, []engine.DetectionKey{key})
		if err == nil && (got[key].Version.UnixNano() != version || got[key].Record != store.RecordRef{}) {
			t.Fatalf("after the upgrade the detection is %+v", got[key])
		}
		if _, _, found, err := r.DetectionRecord(ctx, key, time.Unix(0, 0)); found || err != nil {
			t.Fatalf("a detection stored before the upgrade has a text: %v, %v", found, err)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(ctx, func(tx store.Tx) error {
		ids, err := tx.RecordBlockIDs(ctx, 1)
		if err != nil {
			return err
		}
		if err := tx.PutRecordBlocks(ctx, []store.RecordBlock{{ID: ids[0], StoredAt: time.Unix(0, version), Data: []byte("text")}}); err != nil {
			return err
		}
		_, err = tx.UpsertDetections(ctx, []store.StoredDetection{{Key: key, Version: time.Unix(0, version+1), Record: store.RecordRef{Block: ids[0], Index: 3}}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.View(ctx, func(r store.Reader) error {
		data, i, found, err := r.DetectionRecord(ctx, key, time.Unix(0, 0))
		if err == nil && (!found || string(data) != "text" || i != 3) {
			t.Fatalf("a newer copy after the upgrade: %q, %d, %v", data, i, found)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
