package storetest

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

func record(reason, source string, line int64, when time.Time, raw []byte) store.QuarantineRecord {
	return store.QuarantineRecord{
		Entry:  engine.QuarantineEntry{Reason: reason, Source: source, Line: line, QuarantinedAt: when},
		Raw:    bytes.NewReader(raw),
		Digest: sha256.Sum256(fmt.Appendf(nil, "%s\x00%d\x00%s", source, line, raw)),
	}
}

func appendQuarantine(t *testing.T, s store.Store, rs ...store.QuarantineRecord) {
	t.Helper()
	update(t, s, func(tx store.Tx) error { return tx.AppendQuarantine(ctx, rs) })
}

func quarantinePage(t *testing.T, s store.Store, q engine.QuarantineQuery) engine.QuarantinePage {
	t.Helper()
	var page engine.QuarantinePage
	view(t, s, func(r store.Reader) error {
		var err error
		page, err = r.Quarantine(ctx, q)
		return err
	})
	return page
}

// text reads an entry's whole text back.
func text(t *testing.T, s store.Store, id int64) ([]byte, bool) {
	t.Helper()
	var b bytes.Buffer
	var found bool
	view(t, s, func(r store.Reader) error {
		var err error
		found, err = r.QuarantineText(ctx, id, &b)
		return err
	})
	return b.Bytes(), found
}

func testQuarantine(t *testing.T, s store.Store) {
	// Larger than any one part a store may use, and not a multiple of it.
	big := bytes.Repeat([]byte(`{"id":"x","pad":"0123456789"}`), 120_001)
	appendQuarantine(t, s,
		record("not valid JSON", "a.ndjson", 7, at(0), []byte("{nope")),
		record("too large", "-", 9, at(time.Second), big),
		record("empty", "push", 1, at(time.Second), nil),
		record("not valid JSON", "a.ndjson", 8, at(time.Second), []byte("x")),
	)
	// The same entries again (same digests) are not stored twice.
	appendQuarantine(t, s, record("not valid JSON", "a.ndjson", 7, at(time.Hour), []byte("{nope")))

	page := quarantinePage(t, s, engine.QuarantineQuery{RawLimit: 1000, Count: true})
	if page.Total != 4 || len(page.Entries) != 4 {
		t.Fatalf("got %d entries (total %d), want 4", len(page.Entries), page.Total)
	}
	e := page.Entries
	if e[0].Raw != "{nope" || e[0].Line != 7 || e[0].Source != "a.ndjson" || e[0].Reason != "not valid JSON" || e[0].Size != 5 ||
		e[0].RawTruncated || !e[0].QuarantinedAt.Equal(at(0)) || e[0].QuarantinedAt.Location() != time.UTC {
		t.Fatalf("first entry = %+v", e[0])
	}
	if e[1].Raw != string(big[:1000]) || !e[1].RawTruncated || e[1].Size != int64(len(big)) || e[1].Reason != "too large" || e[1].Source != "-" {
		t.Fatalf("the large entry is listed with %d bytes, truncated %v, size %d; want its first 1000 of %d",
			len(e[1].Raw), e[1].RawTruncated, e[1].Size, len(big))
	}
	if e[2].Raw != "" || e[2].Size != 0 || e[2].RawTruncated || e[2].Source != "push" {
		t.Fatalf("third entry = %+v", e[2])
	}
	if e[3].Raw != "x" || e[3].Reason != "not valid JSON" || e[3].Line != 8 {
		t.Fatalf("fourth entry = %+v", e[3])
	}
	for i := 1; i < len(e); i++ {
		if e[i].ID <= e[i-1].ID {
			t.Fatalf("ids %d then %d: want them rising in the order entries were added", e[i-1].ID, e[i].ID)
		}
	}
	for i, want := range [][]byte{[]byte("{nope"), big, nil, []byte("x")} {
		got, found := text(t, s, e[i].ID)
		if !found || !bytes.Equal(got, want) {
			t.Fatalf("entry %d: the whole text came back with %d bytes (found %v), want %d", i, len(got), found, len(want))
		}
	}
	if _, found := text(t, s, e[3].ID+100); found {
		t.Fatalf("a text was found for an entry that does not exist")
	}
}

// testQuarantineCompression: texts that compress and texts that do not,
// around the part size, come back byte for byte, whole and as heads.
func testQuarantineCompression(t *testing.T, s store.Store) {
	rnd := rand.New(rand.NewPCG(1, 2))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rnd.UintN(256))
		}
		return b
	}
	texts := [][]byte{
		bytes.Repeat([]byte(`{"id":"d","userId":"u"},`), 130_000), // about 3 MiB that compresses
		random(2 << 20), // exactly two parts that do not
		append(bytes.Repeat([]byte("a"), store.QuarantinePartSize-1), random(store.QuarantinePartSize+1)...), // compressible first part, then noise
		random(5000),
		[]byte(strings.Repeat("é", 3000)),
	}
	var rs []store.QuarantineRecord
	for i, b := range texts {
		rs = append(rs, record("r", "s", int64(i), at(0), b))
	}
	appendQuarantine(t, s, rs...)
	for _, limit := range []int{1, 4096, 100_000, store.QuarantinePartSize} {
		page := quarantinePage(t, s, engine.QuarantineQuery{RawLimit: limit})
		if len(page.Entries) != len(texts) {
			t.Fatalf("%d entries, want %d", len(page.Entries), len(texts))
		}
		for i, e := range page.Entries {
			want := texts[i][:min(limit, len(texts[i]))]
			if e.Raw != string(want) || e.Size != int64(len(texts[i])) || e.RawTruncated != (len(want) < len(texts[i])) {
				t.Fatalf("text %d with raw limit %d: %d bytes listed (truncated %v, size %d), want its first %d of %d",
					i, limit, len(e.Raw), e.RawTruncated, e.Size, len(want), len(texts[i]))
			}
			if limit == 1 {
				got, _ := text(t, s, e.ID)
				if !bytes.Equal(got, texts[i]) {
					t.Fatalf("text %d came back with %d bytes, not its %d", i, len(got), len(texts[i]))
				}
			}
		}
	}
}

// testQuarantinePages: pages by ID cover the quarantine once, in order.
func testQuarantinePages(t *testing.T, s store.Store) {
	const n = 25
	var rs []store.QuarantineRecord
	for i := range n {
		rs = append(rs, record(fmt.Sprintf("reason %d", i%3), "src", int64(i+1), at(time.Duration(i)*time.Second), []byte{byte('a' + i)}))
	}
	appendQuarantine(t, s, rs...)
	var lines []int64
	var after int64
	for pages := 0; ; pages++ {
		page := quarantinePage(t, s, engine.QuarantineQuery{After: after, Limit: 10, RawLimit: 10, Count: true})
		if page.Total != n {
			t.Fatalf("total %d, want %d", page.Total, n)
		}
		for _, e := range page.Entries {
			lines = append(lines, e.Line)
			if e.Reason != fmt.Sprintf("reason %d", (e.Line-1)%3) || e.Raw != string(rune('a'+e.Line-1)) {
				t.Fatalf("entry %+v", e)
			}
		}
		if len(page.Entries) < 10 {
			break
		}
		after = page.Entries[len(page.Entries)-1].ID
		if pages > n {
			t.Fatalf("paging does not end")
		}
	}
	if len(lines) != n {
		t.Fatalf("pages gave %d entries, want %d: %v", len(lines), n, lines)
	}
	for i, l := range lines {
		if l != int64(i+1) {
			t.Fatalf("pages gave lines %v, want 1 to %d in order", lines, n)
		}
	}
}

// testPurgeQuarantine: retention deletes the entries quarantined before
// the cutoff, text parts included, and keeps what the others refer to.
func testPurgeQuarantine(t *testing.T, s store.Store) {
	big := bytes.Repeat([]byte("0123456789abcdef"), store.QuarantinePartSize/8) // two parts
	appendQuarantine(t, s,
		record("shared reason", "old.ndjson", 1, at(0), []byte("old")),
		record("only old", "old.ndjson", 2, at(time.Hour), big),
	)
	appendQuarantine(t, s, record("shared reason", "new.ndjson", 1, at(72*time.Hour), []byte("new")))
	var n int64
	update(t, s, func(tx store.Tx) error {
		var err error
		n, err = tx.PurgeQuarantine(ctx, at(48*time.Hour))
		return err
	})
	page := quarantinePage(t, s, engine.QuarantineQuery{Count: true})
	if n != 2 || page.Total != 1 || page.Entries[0].Raw != "new" || page.Entries[0].Reason != "shared reason" || page.Entries[0].Source != "new.ndjson" {
		t.Fatalf("purged %d, left %+v; want the two old entries gone and the new one whole", n, page.Entries)
	}
	// What the purge left behind still works: the labels of the entry that
	// stayed, and new entries with the labels that went.
	appendQuarantine(t, s, record("only old", "old.ndjson", 3, at(73*time.Hour), []byte("again")))
	page = quarantinePage(t, s, engine.QuarantineQuery{Count: true})
	if page.Total != 2 || page.Entries[1].Reason != "only old" || page.Entries[1].Source != "old.ndjson" || page.Entries[1].Raw != "again" {
		t.Fatalf("after the purge: %+v", page.Entries)
	}
	update(t, s, func(tx store.Tx) error {
		var err error
		n, err = tx.PurgeQuarantine(ctx, at(48*time.Hour))
		return err
	})
	if n != 0 {
		t.Fatalf("a second purge with the same cutoff deleted %d entries", n)
	}
}
