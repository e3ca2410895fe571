package ingest_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest"
)

const goodRecord = `{"id":"ok","userId":"u1","riskEventType":"leakedCredentials","activityDateTime":"2025-06-01T10:00:00Z"}`

// entries lists a directory.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	return names
}

// An oversize record is parked in a file that is unlinked at once: while
// the record is being handled the temporary directory holds nothing, so a
// process killed at that moment leaves nothing behind; the text is still
// all there.
func TestSpillIsUnlinkedAtOnce(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	big := `{"pad":"` + strings.Repeat("p", 3000) + `"}`
	var spills int
	_, err := ingest.Run(context.Background(), strings.NewReader(big+"\n"+goodRecord+"\n"), ingest.Options{MaxRecordBytes: 1000},
		ingest.NewDetectionDecoder, func(b ingest.Batch[engine.Detection]) error {
			for _, it := range b.Items {
				if it.Spill == nil {
					continue
				}
				spills++
				if names := entries(t, tmp); len(names) != 0 {
					t.Errorf("the spill is visible in the temporary directory: %v", names)
				}
				r, err := it.Spill.Open()
				if err != nil {
					return err
				}
				got, err := io.ReadAll(r)
				if err != nil || string(got) != big {
					t.Errorf("the spill holds %d bytes (%v), want the record's %d", len(got), err, len(big))
				}
				it.Spill.Close()
			}
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if spills != 1 {
		t.Fatalf("%d spills, want 1", spills)
	}
}

// A record larger than the most the quarantine keeps keeps its start, its
// size and the SHA-256 of all of it, and the reason says so; the records
// after it are read as usual.
func TestEndlessRecordKeepsItsStart(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	const kept, size = 1 << 20, 5 << 20
	huge := bytes.Repeat([]byte{'x'}, size)
	input := io.MultiReader(bytes.NewReader(huge), strings.NewReader("\n"+goodRecord+"\n"))
	var items []ingest.Item[engine.Detection]
	_, err := ingest.Run(context.Background(), input, ingest.Options{MaxRecordBytes: 1000, MaxKeptBytes: kept},
		ingest.NewDetectionDecoder, func(b ingest.Batch[engine.Detection]) error {
			items = append(items, b.Items...)
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 || items[1].Reject != nil || items[1].Value.ID != "ok" {
		t.Fatalf("items %+v: want the huge record and the good one after it", items)
	}
	s := items[0].Spill
	defer s.Close()
	sum := sha256.Sum256(huge)
	if s == nil || !s.Truncated() || s.Size != size || s.Kept != kept || s.Sum() != sum {
		t.Fatalf("spill %+v: want %d of %d bytes kept and the digest of all of them", s, kept, size)
	}
	want := fmt.Sprintf("it has %d); only its first %d bytes are kept, and the SHA-256 of all of it is %x", size, kept, sum)
	if !strings.Contains(items[0].Reject.Reason, want) {
		t.Fatalf("reason %q does not say %q", items[0].Reject.Reason, want)
	}
	r, err := s.Open()
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(got, huge[:kept]) {
		t.Fatalf("kept %d bytes (%v), want the first %d", len(got), err, kept)
	}
}

// endless is a record that never ends, like /dev/zero; it stops the
// context of its reader after some reads, as a signal would.
type endless struct {
	reads, stopAt int
	stop          context.CancelFunc
}

func (e *endless) Read(p []byte) (int, error) {
	e.reads++
	if e.reads == e.stopAt {
		e.stop()
	}
	for i := range p {
		p[i] = 0
	}
	return len(p), nil
}

// A record that never ends can be cancelled: Run returns the context's
// error instead of reading forever.
func TestRunStopsInAnEndlessRecord(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	in := &endless{stopAt: 20, stop: cancel}
	_, err := ingest.Run(ctx, in, ingest.Options{MaxRecordBytes: 1000, MaxKeptBytes: 4 << 20}, ingest.NewDetectionDecoder,
		func(b ingest.Batch[engine.Detection]) error {
			return fmt.Errorf("a batch arrived from an input that has no end of record: %d items", len(b.Items))
		})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v, want context.Canceled", err)
	}
	if in.reads > in.stopAt+1 {
		t.Fatalf("Run read %d times after the cancellation", in.reads-in.stopAt)
	}
}
