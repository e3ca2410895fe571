package source

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest"
)

// fakeUnit counts its records and whether it was discarded.
type fakeUnit struct {
	items     []int
	discarded *int
}

func (u *fakeUnit) Add(_ context.Context, b ingest.Batch[int]) {
	for _, it := range b.Items {
		u.items = append(u.items, it.Value)
	}
}
func (u *fakeUnit) Records() int    { return len(u.items) }
func (u *fakeUnit) RawBytes() int64 { return 0 }
func (u *fakeUnit) Discard()        { *u.discarded++ }

// batches is a source of batches of ints; a batch cut after it is marked
// by a negative first value.
type batches [][]int

func (s batches) Read(_ context.Context, emit Emit[int]) error {
	for i, b := range s {
		cut := len(b) > 0 && b[0] < 0
		batch := ingest.Batch[int]{}
		for _, v := range b {
			if v >= 0 {
				batch.Items = append(batch.Items, ingest.Item[int]{Value: v})
			}
		}
		if err := emit(batch, func() string { return fmt.Sprint("after-", i) }, cut); err != nil {
			return err
		}
	}
	return nil
}

func TestRunCommitsInOrderWithTheCursorThatCoversEachUnit(t *testing.T) {
	for _, tt := range []struct {
		name  string
		src   batches
		limit int
		want  []string // each commit: its records and its cursor
	}{
		{"units end at the record limit", batches{{1, 2}, {3}, {4, 5}}, 3, []string{"[1 2 3] after-1", "[4 5] after-2"}},
		{"a cut ends a unit early", batches{{-1, 1}, {2}, {-1, 3}}, 10, []string{"[1] after-0", "[2 3] after-2"}},
		{"a tail the source did not cut is committed", batches{{1}}, 10, []string{"[1] after-0"}},
		{"a source that cut its end commits nothing more", batches{{-1, 1}, {-1}}, 10, []string{"[1] after-0", "[] after-1"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			discarded := 0
			var got []string
			commit := func(_ context.Context, u *fakeUnit, cursor func() string) (engine.IngestSummary, error) {
				got = append(got, fmt.Sprint(u.items, " ", cursor()))
				return engine.IngestSummary{Read: int64(len(u.items))}, nil
			}
			var progress []int64
			total, err := Run(context.Background(), Source[int](tt.src), func() *fakeUnit { return &fakeUnit{discarded: &discarded} },
				commit, Limits{Records: tt.limit, RawBytes: 1 << 20}, func(s engine.IngestSummary) { progress = append(progress, s.Read) })
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("commits %q, want %q", got, tt.want)
			}
			if discarded != len(tt.want) {
				t.Errorf("%d units released, want every committed one (%d)", discarded, len(tt.want))
			}
			if len(progress) != len(tt.want) || progress[len(progress)-1] != total.Read {
				t.Errorf("progress %v, total read %d", progress, total.Read)
			}
		})
	}
}

func TestRunStopsAtTheFirstFailedCommit(t *testing.T) {
	discarded := 0
	commits := 0
	errCommit := errors.New("disk full")
	commit := func(_ context.Context, u *fakeUnit, _ func() string) (engine.IngestSummary, error) {
		commits++
		return engine.IngestSummary{}, errCommit
	}
	// An endless source: only the failed commit's cancellation stops it.
	endless := sourceFunc(func(ctx context.Context, emit Emit[int]) error {
		for i := 0; ; i++ {
			if err := emit(ingest.Batch[int]{Items: []ingest.Item[int]{{Value: i}}}, nil, true); err != nil {
				return err
			}
		}
	})
	_, err := Run(context.Background(), Source[int](endless), func() *fakeUnit { return &fakeUnit{discarded: &discarded} },
		commit, Limits{Records: 10, RawBytes: 1 << 20}, nil)
	if !errors.Is(err, errCommit) {
		t.Fatalf("Run: %v, want the commit's error", err)
	}
	if commits != 1 {
		t.Errorf("%d commits after the first failed, want none", commits-1)
	}
	if discarded < 2 {
		t.Errorf("%d units released, want the failed one and the one in hand at least", discarded)
	}
}

func TestStreamEndsWithACutAtTheLastSafeOffset(t *testing.T) {
	src := Stream[engine.Device]{R: strings.NewReader(`{"id":"d1","userId":"u","lastSyncDateTime":"2025-06-01T00:00:00Z"}` + "\n"),
		NewDecoder: ingest.NewDeviceDecoder, CursorAt: func(safe int64) string { return fmt.Sprint(safe) }}
	var last string
	var cut bool
	err := src.Read(context.Background(), func(_ ingest.Batch[engine.Device], cursor func() string, c bool) error {
		last, cut = cursor(), c
		return nil
	})
	if err != nil || !cut || last != "67" {
		t.Fatalf("last emit: cursor %q, cut %v (%v); want the offset after the line, cut", last, cut, err)
	}
}

type sourceFunc func(ctx context.Context, emit Emit[int]) error

func (f sourceFunc) Read(ctx context.Context, emit Emit[int]) error { return f(ctx, emit) }
