package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"sync"
	"testing"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/service"
	"github.com/idp/terraform-provider-idp/internal/engine/store/postgres/pgtest"
	"github.com/idp/terraform-provider-idp/internal/engine/store/storeopen"
)

// TestMultiNodeIngestMatchesOneProcess runs three `engine ingest` processes
// at once, on overlapping slices of one generated input, into one
// PostgreSQL database, and compares the alerts with those of one process
// over the whole input into a fresh database: every field but created_at
// and updated_at must agree. Small transactions (--tx-records) make the
// processes interleave many times.
func TestMultiNodeIngestMatchesOneProcess(t *testing.T) {
	const records = 30_000
	dir := t.TempDir()
	input := filepath.Join(dir, "all.ndjson")
	generated := run(t, nil, "generate", "--records", fmt.Sprint(records), "--seed", "42", "--users", "400")
	if err := os.WriteFile(input, generated, 0o600); err != nil {
		t.Fatal(err)
	}
	lines := readLines(t, input)
	if len(lines) != records {
		t.Fatalf("generated %d lines, want %d", len(lines), records)
	}

	// The reference: one process, the whole input, a fresh database.
	oneURL := pgtest.URL(t)
	tune(t, oneURL)
	run(t, nil, "ingest", "--database-url", oneURL, "--output", "json", input)
	want := alertsOf(t, oneURL)
	if len(want) < 100 {
		t.Fatalf("only %d alerts: the comparison would prove little", len(want))
	}

	// Contiguous slices overlapping by a third of a slice: length L = 3N/7,
	// starting at 0, (N-L)/2 and N-L. Interleaved slices (each process
	// takes two records of every three) make all three work on the same
	// detections, users and windows at the same moment.
	l := (3*records + 6) / 7
	contiguous := [][]string{lines[:l], lines[(records-l)/2 : (records-l)/2+l], lines[records-l:]}
	interleaved := make([][]string, 3)
	for i, line := range lines {
		for p := range interleaved {
			if i%3 != p {
				interleaved[p] = append(interleaved[p], line)
			}
		}
	}
	for _, tc := range []struct {
		name   string
		slices [][]string
	}{{"contiguous", contiguous}, {"interleaved", interleaved}} {
		t.Run(tc.name, func(t *testing.T) {
			url := pgtest.URL(t)
			tune(t, url)
			var files []string
			covered := map[string]bool{}
			for i, s := range tc.slices {
				path := filepath.Join(t.TempDir(), fmt.Sprintf("slice-%d.ndjson", i))
				writeLines(t, path, s)
				files = append(files, path)
				for _, line := range s {
					covered[line] = true
				}
			}
			if len(covered) != len(uniq(lines)) {
				t.Fatalf("the slices cover %d distinct records of %d", len(covered), len(uniq(lines)))
			}
			sums := make([]summary, len(files))
			errs := make([]error, len(files))
			var wg sync.WaitGroup
			for i, path := range files {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var stdout, stderr bytes.Buffer
					cmd := engineCmd(t, context.Background(), nil, "ingest", "--tx-records", "500", "--database-url", url, "--output", "json", path)
					cmd.Stdout, cmd.Stderr = &stdout, &stderr
					if err := cmd.Run(); err != nil {
						errs[i] = fmt.Errorf("%v: %s", err, stderr.String())
						return
					}
					errs[i] = json.Unmarshal(stdout.Bytes(), &sums[i])
				}()
			}
			wg.Wait()
			var read int64
			for i, err := range errs {
				if err != nil {
					t.Fatalf("process %d: %v", i, err)
				}
				read += sums[i].Read
				if sums[i].Read != int64(len(tc.slices[i])) || sums[i].Read != sums[i].Accepted+sums[i].Updated+sums[i].Duplicates+sums[i].Quarantined {
					t.Fatalf("process %d summary %+v does not add up over %d records", i, sums[i], len(tc.slices[i]))
				}
			}
			got := alertsOf(t, url)
			compareAlerts(t, got, want)
			t.Logf("%d records read by 3 processes, %d alerts, the same as one process", read, len(got))
		})
	}
}

// tune makes the risky sign-in policy stricter and remediating, so that
// settings other than the defaults are in play.
func tune(t *testing.T, url string) {
	t.Helper()
	svc, err := storeopen.Service(context.Background(), service.Config{DatabaseURL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	if _, err := svc.PutPolicy(context.Background(), engine.Policy{Type: engine.PolicyRiskySignIn, Enabled: true,
		Severity: engine.SeverityMedium, RemediateRiskyUsers: true}); err != nil {
		t.Fatal(err)
	}
}

func compareAlerts(t *testing.T, got, want map[string]alertView) {
	t.Helper()
	var missing, extra, differ []string
	for id, w := range want {
		g, ok := got[id]
		switch {
		case !ok:
			missing = append(missing, id)
		case !reflect.DeepEqual(g, w):
			differ = append(differ, fmt.Sprintf("%+v\n  want %+v", g, w))
		}
	}
	for id := range got {
		if _, ok := want[id]; !ok {
			extra = append(extra, id)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing)+len(extra)+len(differ) > 0 {
		t.Fatalf("%d alerts, want %d: %d missing %v, %d unexpected %v, %d differ, e.g.\n%v", len(got), len(want),
			len(missing), head(missing), len(extra), head(extra), len(differ), head(differ))
	}
}

func head(xs []string) []string { return xs[:min(3, len(xs))] }

func uniq(xs []string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}
