package graph_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph/graphtest"
)

func TestPullDetectionsReadsEveryRecordOnce(t *testing.T) {
	for _, tc := range []struct {
		name       string
		records    int
		pageSize   int
		behavior   graphtest.Behavior
		minPages   int // pages fn must see, empty ones included
		wantEmpty  bool
		wantSingle bool
	}{
		{name: "no records", records: 0, pageSize: 10, minPages: 1, wantEmpty: true, wantSingle: true},
		{name: "one partial page", records: 7, pageSize: 10, minPages: 1, wantSingle: true},
		{name: "many pages", records: 1000, pageSize: 37, minPages: 28},
		{name: "full last page ends on an empty page", records: 1000, pageSize: 500, minPages: 3, wantEmpty: true},
		{name: "empty pages in between", records: 300, pageSize: 20, behavior: graphtest.Behavior{EmptyPageEvery: 3}, minPages: 22, wantEmpty: true},
		{name: "unordered", records: 500, pageSize: 45, behavior: graphtest.Behavior{Unordered: true}, minPages: 12},
		{name: "unordered with empty pages", records: 500, pageSize: 45, behavior: graphtest.Behavior{Unordered: true, EmptyPageEvery: 2}, minPages: 23, wantEmpty: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, func(c *graph.Config) { c.PageSize = tc.pageSize })
			f.srv.SetBehavior(tc.behavior)
			if err := f.srv.AddDetections(detections(tc.records)...); err != nil {
				t.Fatal(err)
			}
			p := pullAll(t, f.client, "")
			sameSet(t, p.ids, ids(tc.records))
			if p.pages < tc.minPages {
				t.Errorf("fn saw %d pages, want at least %d", p.pages, tc.minPages)
			}
			if (p.empty > 0) != tc.wantEmpty {
				t.Errorf("fn saw %d empty pages, want empty pages: %v", p.empty, tc.wantEmpty)
			}
			if tc.wantSingle && p.pages != 1 {
				t.Errorf("fn saw %d pages, want 1", p.pages)
			}
			if got := f.srv.Stats().TokensIssued; got != 1 {
				t.Errorf("%d tokens issued, want 1 cached for the whole pull", got)
			}
		})
	}
}

// The records pulled are the very records Graph holds: Graph keeps the
// latest version of each id, as the engine would after ingesting the file.
func TestPullDetectionsMatchesTheFile(t *testing.T) {
	f := newFixture(t, func(c *graph.Config) { c.PageSize = 25 })
	file, err := os.ReadFile("testdata/detections.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.srv.LoadDetections(strings.NewReader(string(file))); err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]any{} // id -> newest version in the file
	sc := bufio.NewScanner(strings.NewReader(string(file)))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatal(err)
		}
		id := fmt.Sprint(rec["id"])
		if old, ok := want[id]; !ok || updated(t, rec) >= updated(t, old) {
			want[id] = rec
		}
	}
	got := map[string]map[string]any{}
	err = f.client.PullDetections(context.Background(), "", func(records [][]byte, _ string) error {
		for _, raw := range records {
			var rec map[string]any
			if err := json.Unmarshal(raw, &rec); err != nil {
				t.Fatalf("record is not JSON: %v", err)
			}
			got[fmt.Sprint(rec["id"])] = rec
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(want) < 150 || len(got) != len(want) {
		t.Fatalf("pulled %d distinct records, the file has %d", len(got), len(want))
	}
	for id, w := range want {
		if !reflect.DeepEqual(got[id], w) {
			t.Errorf("record %s differs:\n got %v\nwant %v", id, got[id], w)
		}
	}
}

func updated(t *testing.T, rec map[string]any) string {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, rec["lastUpdatedDateTime"].(string))
	if err != nil {
		t.Fatal(err)
	}
	return tm.UTC().Format("2006-01-02T15:04:05.0000000")
}

func TestPullDetectionsFromCursorReadsOnlyNewer(t *testing.T) {
	for _, unordered := range []bool{false, true} {
		t.Run(map[bool]string{false: "ordered", true: "unordered"}[unordered], func(t *testing.T) {
			f := newFixture(t, func(c *graph.Config) { c.PageSize = 30 })
			f.srv.SetBehavior(graphtest.Behavior{Unordered: unordered})
			if err := f.srv.AddDetections(detections(200)...); err != nil {
				t.Fatal(err)
			}
			first := pullAll(t, f.client, "")
			sameSet(t, first.ids, ids(200))

			// Nothing changed: the next pull reads nothing.
			again := pullAll(t, f.client, first.last())
			sameSet(t, again.ids, nil)
			if again.last() != first.last() {
				t.Errorf("an empty pull moved the cursor from %s to %s", first.last(), again.last())
			}

			// Two new records and a new version of an old one.
			upd := detection(3, 500*time.Second)
			upd.RiskState = "remediated"
			if err := f.srv.AddDetections(detection(200, 400*time.Second), detection(201, 401*time.Second), upd); err != nil {
				t.Fatal(err)
			}
			third := pullAll(t, f.client, again.last())
			sameSet(t, third.ids, []string{"det-00200", "det-00201", "det-00003"})
		})
	}
}

func TestPullDetectionsFromATime(t *testing.T) {
	f := newFixture(t, func(c *graph.Config) { c.PageSize = 30 })
	if err := f.srv.AddDetections(detections(100)...); err != nil {
		t.Fatal(err)
	}
	after := base.Add(89 * time.Second) // records 90..99 are newer
	for _, cursor := range []string{after.Format(time.RFC3339), graph.CursorSince(after)} {
		p := pullAll(t, f.client, cursor)
		sameSet(t, p.ids, ids(100)[90:])
	}
	for _, bad := range []string{"yesterday", `{"v":7}`, `{"v":1,"since":"soon"}`} {
		err := f.client.PullDetections(context.Background(), bad, func([][]byte, string) error { return nil })
		if err == nil || !strings.Contains(err.Error(), "cursor") {
			t.Errorf("cursor %q: got %v, want an error about the cursor", bad, err)
		}
	}
}

var errCrash = errors.New("crash")

// engineSim stands for the engine: it commits each page's records and
// cursor together, and can crash before or after a commit.
type engineSim struct {
	committed map[string]int // id -> times committed
	cursor    string
	read      int // records handed to fn, committed or not
	pages     int // pages committed
}

func TestPullDetectionsResumesAfterACrash(t *testing.T) {
	for _, tc := range []struct {
		name     string
		behavior graphtest.Behavior
		pageSize int
		records  int
		// crashEvery: the engine crashes at every crashEvery-th page.
		crashEvery  int
		afterCommit bool // crash after committing that page, else before
	}{
		{name: "ordered, crash before commit", pageSize: 25, records: 300, crashEvery: 3},
		{name: "ordered, crash after commit", pageSize: 25, records: 300, crashEvery: 3, afterCommit: true},
		{name: "unordered, crash before commit", behavior: graphtest.Behavior{Unordered: true}, pageSize: 25, records: 300, crashEvery: 2},
		{name: "unordered, crash after commit", behavior: graphtest.Behavior{Unordered: true}, pageSize: 25, records: 300, crashEvery: 2, afterCommit: true},
		{name: "unordered with empty pages", behavior: graphtest.Behavior{Unordered: true, EmptyPageEvery: 2}, pageSize: 40, records: 300, crashEvery: 3},
		{name: "crash at every page", behavior: graphtest.Behavior{Unordered: true}, pageSize: 50, records: 300, crashEvery: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, func(c *graph.Config) { c.PageSize = tc.pageSize })
			f.srv.SetBehavior(tc.behavior)
			if err := f.srv.AddDetections(detections(tc.records)...); err != nil {
				t.Fatal(err)
			}
			e := &engineSim{committed: map[string]int{}}
			crashes := 0
			for run := 0; ; run++ {
				if run > 1000 {
					t.Fatal("the pull never completes")
				}
				seen := 0
				err := f.client.PullDetections(context.Background(), e.cursor, func(records [][]byte, next string) error {
					seen++
					e.read += len(records)
					crash := seen%tc.crashEvery == 0 && (seen > 1 || tc.crashEvery == 1 && run%2 == 0)
					if crash && !tc.afterCommit {
						return errCrash // the page was read, never committed
					}
					for _, r := range records {
						e.committed[idOf(t, r)]++
					}
					e.cursor = next
					e.pages++
					if crash {
						return errCrash
					}
					return nil
				})
				if err == nil {
					break
				}
				if !errors.Is(err, errCrash) {
					t.Fatalf("run %d: %v", run, err)
				}
				crashes++
			}
			if crashes < 2 {
				t.Fatalf("only %d crashes: the test proves nothing", crashes)
			}
			for _, id := range ids(tc.records) {
				if e.committed[id] == 0 {
					t.Errorf("%s lost", id)
				}
			}
			dups := 0
			for _, n := range e.committed {
				dups += n - 1
			}
			if dups != 0 {
				t.Errorf("%d records committed twice", dups)
			}
			// Re-reads: at most the in-flight page per crash.
			if extra := e.read - tc.records; extra > crashes*tc.pageSize || (tc.afterCommit && extra != 0) {
				t.Errorf("read %d records for %d, after %d crashes of pages of %d", e.read, tc.records, crashes, tc.pageSize)
			}
			// The final cursor reads nothing more.
			sameSet(t, pullAll(t, f.client, e.cursor).ids, nil)
		})
	}
}

// The reason for the cursor's design: with unordered pages, resuming from
// "the newest lastUpdatedDateTime committed" loses records. If this stops
// failing, the test server no longer exercises the ordering problem.
func TestNaiveWatermarkWouldLoseRecords(t *testing.T) {
	f := newFixture(t, func(c *graph.Config) { c.PageSize = 25 })
	f.srv.SetBehavior(graphtest.Behavior{Unordered: true})
	if err := f.srv.AddDetections(detections(300)...); err != nil {
		t.Fatal(err)
	}
	var newest time.Time
	got := map[string]bool{}
	pages := 0
	err := f.client.PullDetections(context.Background(), "", func(records [][]byte, _ string) error {
		for _, r := range records {
			var v struct {
				ID string    `json:"id"`
				T  time.Time `json:"lastUpdatedDateTime"`
			}
			_ = json.Unmarshal(r, &v)
			got[v.ID] = true
			if v.T.After(newest) {
				newest = v.T
			}
		}
		if pages++; pages == 2 {
			return errCrash
		}
		return nil
	})
	if !errors.Is(err, errCrash) {
		t.Fatal(err)
	}
	for _, id := range pullAll(t, f.client, graph.CursorSince(newest)).ids {
		got[id] = true
	}
	if len(got) == 300 {
		t.Fatal("a max-seen watermark lost nothing: the server's order is not exercising the cursor")
	}
}

func TestPullDetectionsRestartsWhenTheStoredNextLinkExpired(t *testing.T) {
	f := newFixture(t, func(c *graph.Config) { c.PageSize = 20 })
	f.srv.SetBehavior(graphtest.Behavior{Unordered: true})
	if err := f.srv.AddDetections(detections(100)...); err != nil {
		t.Fatal(err)
	}
	committed := map[string]bool{}
	var cursor string
	err := f.client.PullDetections(context.Background(), "", func(records [][]byte, next string) error {
		for _, r := range records {
			committed[idOf(t, r)] = true
		}
		cursor = next
		if len(committed) >= 40 {
			return errCrash
		}
		return nil
	})
	if !errors.Is(err, errCrash) || !strings.Contains(cursor, `"next"`) {
		t.Fatalf("err %v, cursor %s: want a crash mid-pull", err, cursor)
	}
	f.srv.ExpireSkipTokens()
	for _, id := range pullAll(t, f.client, cursor).ids {
		committed[id] = true
	}
	if len(committed) != 100 {
		t.Errorf("%d of 100 records after the restart", len(committed))
	}
	if f.srv.Stats().StaleTokens != 1 {
		t.Errorf("the server refused %d skiptokens, want 1", f.srv.Stats().StaleTokens)
	}
	if !strings.Contains(f.logs.String(), "restarting the pull") {
		t.Error("no warning about the restarted pull")
	}
}

// A record changed while a pull runs may get a lastUpdatedDateTime older
// than one the pull has already seen; the completed cursor must not jump
// past it. Graph's clock (Date) says when the pull began: records stamped
// after it are treated as changed during the pull.
func TestCompletedCursorStaysBehindChangesDuringThePull(t *testing.T) {
	start := base.Add(time.Hour)
	f := newFixture(t, func(c *graph.Config) { c.PageSize = 10; c.WatermarkLag = -1 })
	f.srv.SetClock(func() time.Time { return start })
	recs := detections(50)
	// Record 49 was changed during the pull, two minutes after it began.
	recs = append(recs, detection(49, time.Hour+2*time.Minute))
	if err := f.srv.AddDetections(recs...); err != nil {
		t.Fatal(err)
	}
	p := pullAll(t, f.client, "")
	sameSet(t, p.ids, ids(50))
	// Meanwhile record 7, already passed, was changed one minute after the
	// start: before record 49's change, which the pull saw.
	if err := f.srv.AddDetections(detection(7, time.Hour+time.Minute)); err != nil {
		t.Fatal(err)
	}
	next := pullAll(t, f.client, p.last())
	if !contains(next.ids, "det-00007") {
		t.Fatalf("the change made during the pull was lost; next pull read %v", next.ids)
	}
	if want := graph.CursorSince(start); p.last() != want {
		t.Errorf("completed cursor %s, want %s (Graph's clock at the start)", p.last(), want)
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func TestPullDetectionsStopsWhenFnFails(t *testing.T) {
	f := newFixture(t, func(c *graph.Config) { c.PageSize = 10 })
	if err := f.srv.AddDetections(detections(100)...); err != nil {
		t.Fatal(err)
	}
	calls := 0
	err := f.client.PullDetections(context.Background(), "", func([][]byte, string) error {
		calls++
		return errCrash
	})
	if !errors.Is(err, errCrash) || calls != 1 {
		t.Errorf("err %v after %d calls; want fn's error after 1", err, calls)
	}
	if got := f.srv.Stats().Pages; got != 1 {
		t.Errorf("%d pages fetched, want 1", got)
	}
}

// nextLinks carry the bearer token: one on another host is not followed.
func TestPullDetectionsRefusesForeignNextLinks(t *testing.T) {
	f := newFixture(t, nil)
	if err := f.srv.AddDetections(detections(5)...); err != nil {
		t.Fatal(err)
	}
	cursor := `{"v":1,"next":"https://attacker.example/v1.0/identityProtection/riskDetections?$skiptoken=x"}`
	p := pullAll(t, f.client, cursor)
	sameSet(t, p.ids, ids(5))
	if !strings.Contains(f.logs.String(), "not on graph_url") {
		t.Error("no warning about the foreign nextLink")
	}
}
