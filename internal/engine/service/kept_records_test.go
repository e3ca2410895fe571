package service_test

import (
	"bufio"
	"bytes"
	"database/sql"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	engineingest "github.com/idp/terraform-provider-idp/internal/engine/ingest"
	"github.com/idp/terraform-provider-idp/internal/engine/service"
	"github.com/idp/terraform-provider-idp/internal/engine/store/storeopen"
	"github.com/idp/terraform-provider-idp/internal/generate"
)

// Every accepted detection's full text is kept, byte for byte, as the
// copy the store holds: the newest, and the first of equal ones. Ingesting
// the same input again keeps nothing twice, and retention hides, then
// purges, the texts with the time they were stored.
func TestDetectionTextsAreKept(t *testing.T) {
	var input bytes.Buffer
	if err := generate.Detections(&input, generate.Options{Records: 6000, Seed: 7, UpdateEvery: 9, StaleEvery: 13}); err != nil {
		t.Fatal(err)
	}
	// A bad record among them: the texts compared below are the accepted
	// records' only.
	input.WriteString("{\"id\": 42}\n")

	want := map[string][]byte{}
	newest := map[string]time.Time{}
	dec := engineingest.NewDetectionDecoder()
	sc := bufio.NewScanner(bytes.NewReader(input.Bytes()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		d, rej := dec.Decode(sc.Bytes())
		if rej != nil {
			continue
		}
		if v, seen := newest[d.ID]; !seen || d.Version().After(v) {
			newest[d.ID], want[d.ID] = d.Version(), append([]byte(nil), sc.Bytes()...)
		}
	}
	if len(want) < 4000 {
		t.Fatalf("only %d detections in the input", len(want))
	}

	clock := newClock()
	// Small transactions: texts of one detection land in several blocks.
	dir := t.TempDir()
	svc, err := storeopen.Service(ctx, service.Config{DataDir: dir, Clock: clock, TxRecords: 700})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	in, _ := svc.Integration(ctx)
	in.RetentionDays = 10
	if _, err := svc.SetIntegration(ctx, in); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.IngestDetections(ctx, bytes.NewReader(input.Bytes()), service.IngestOptions{Source: "test"}); err != nil {
		t.Fatal(err)
	}
	// Every 16th detection by id: reading one text unpacks its whole block.
	ids := slices.Sorted(maps.Keys(want))
	checkTexts := func() {
		t.Helper()
		for i := 0; i < len(ids); i += 16 {
			id, text := ids[i], want[ids[i]]
			got, found, err := svc.DetectionRecord(ctx, id)
			if err != nil || !found || !bytes.Equal(got, text) {
				t.Fatalf("DetectionRecord(%s) = %q, %v, %v; want %q", id, got, found, err, text)
			}
		}
	}
	checkTexts()
	if _, found, err := svc.DetectionRecord(ctx, "unknown"); found || err != nil {
		t.Fatalf("an unknown detection: found %v, %v", found, err)
	}

	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "idp.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	blocks := func() (n, size int64) {
		t.Helper()
		if err := db.QueryRow(`SELECT count(*), coalesce(sum(length(data)), 0) FROM record_blocks`).Scan(&n, &size); err != nil {
			t.Fatal(err)
		}
		return n, size
	}
	var named int
	if err := db.QueryRow(`SELECT count(*) FROM detections WHERE record_block IN (SELECT id FROM record_blocks)`).Scan(&named); err != nil || named != len(want) {
		t.Fatalf("%d detections name a kept text (%v), want %d", named, err, len(want))
	}
	n, size := blocks()
	if n < 3 || size*4 > int64(input.Len()) {
		t.Fatalf("%d blocks of %d bytes in all for %d bytes of input: want several, compressed", n, size, input.Len())
	}

	clock.Advance(24 * time.Hour)
	if _, err := svc.IngestDetections(ctx, bytes.NewReader(input.Bytes()), service.IngestOptions{Source: "test"}); err != nil {
		t.Fatal(err)
	}
	if again, _ := blocks(); again != n {
		t.Fatalf("ingesting the same input again: %d blocks, was %d", again, n)
	}
	checkTexts()

	clock.Advance(10 * 24 * time.Hour)
	if _, found, err := svc.DetectionRecord(ctx, ids[0]); found || err != nil {
		t.Fatalf("DetectionRecord(%s) past retention: found %v, %v", ids[0], found, err)
	}
	if _, err := svc.IngestDetections(ctx, strings.NewReader(""), service.IngestOptions{Source: "test"}); err != nil {
		t.Fatal(err)
	}
	if left, _ := blocks(); left != 0 {
		t.Fatalf("%d blocks left after retention purged them", left)
	}
}
