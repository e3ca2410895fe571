package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/idp/terraform-provider-idp/internal/engine/store/postgres/pgtest"
)

// BenchmarkIngestProcesses measures `engine ingest` as users run it, on one
// generated input (IDP_BENCH_RECORDS, default 300,000): one process into
// SQLite, one into PostgreSQL, and three at once into one PostgreSQL
// database, each taking a third of the input (disjoint) or an overlapping
// slice (a third longer, so a quarter of what each reads another also
// reads). IDP_TX_RECORDS sets --tx-records. records/s counts the records all processes read, over the wall
// time of the slowest.
func BenchmarkIngestProcesses(b *testing.B) {
	records := 300_000
	if n, err := fmt.Sscan(os.Getenv("IDP_BENCH_RECORDS"), &records); n != 1 || err != nil {
		records = 300_000
	}
	dir := b.TempDir()
	input := filepath.Join(dir, "input.ndjson")
	if err := os.WriteFile(input, run(b, nil, "generate", "--records", fmt.Sprint(records), "--seed", "1"), 0o600); err != nil {
		b.Fatal(err)
	}
	lines := readLines(b, input)
	third := len(lines) / 3
	disjoint := [][]string{lines[:third], lines[third : 2*third], lines[2*third:]}
	overlap := third / 3
	overlapping := [][]string{lines[:third+overlap], lines[third-overlap/2 : 2*third+overlap/2], lines[2*third-overlap:]}
	slicePaths := func(name string, slices [][]string) []string {
		var paths []string
		for i, s := range slices {
			p := filepath.Join(dir, fmt.Sprintf("%s-%d.ndjson", name, i))
			writeLines(b, p, s)
			paths = append(paths, p)
		}
		return paths
	}
	cases := []struct {
		name     string
		postgres bool
		files    []string
	}{
		{"sqlite/1-process", false, []string{input}},
		{"postgres/1-process", true, []string{input}},
		{"postgres/3-processes-disjoint", true, slicePaths("disjoint", disjoint)},
		{"postgres/3-processes-overlapping", true, slicePaths("overlapping", overlapping)},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			if tc.postgres && os.Getenv(pgtest.EnvURL) == "" {
				b.Skip("no PostgreSQL (" + pgtest.EnvURL + ")")
			}
			var read int64
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				store := []string{"--data-dir", b.TempDir()}
				drop := func() {}
				if tc.postgres {
					var url string
					url, drop = pgtest.New(b)
					store = []string{"--database-url", url}
				}
				b.StartTimer()
				read += ingestAll(b, store, tc.files)
				b.StopTimer()
				drop()
				b.StartTimer()
			}
			b.ReportMetric(float64(read)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// ingestAll runs one `engine ingest` per file, all at once, and returns the
// records they read.
func ingestAll(b *testing.B, store, files []string) int64 {
	var wg sync.WaitGroup
	reads := make([]int64, len(files))
	errs := make([]error, len(files))
	for i, f := range files {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var stdout, stderr bytes.Buffer
			args := append([]string{"ingest", "--output", "json"}, store...)
			if n := os.Getenv("IDP_TX_RECORDS"); n != "" {
				args = append(args, "--tx-records", n)
			}
			cmd := engineCmd(b, context.Background(), nil, append(args, f)...)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				errs[i] = fmt.Errorf("%v: %s", err, stderr.String())
				return
			}
			var sum summary
			errs[i] = json.Unmarshal(stdout.Bytes(), &sum)
			reads[i] = sum.Read
		}()
	}
	wg.Wait()
	var total int64
	for i, err := range errs {
		if err != nil {
			b.Fatalf("process %d: %v", i, err)
		}
		total += reads[i]
	}
	return total
}
