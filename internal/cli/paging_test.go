package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/service"
	"github.com/idp/terraform-provider-idp/internal/engine/store/storeopen"
)

// The listings read the engine a page at a time and print as they go;
// what they print is what one read of everything would have printed: every
// row, one header, one JSON array, and every quarantined text whole.
func TestListingsPrintEveryRow(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	svc, err := storeopen.Service(ctx, service.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.PutPolicy(ctx, engine.Policy{Type: engine.PolicyLeakedCredentials, Enabled: true, RemediateRiskyUsers: true}); err != nil {
		t.Fatal(err)
	}
	const n = 2*cliPage + 100
	const bad = 2*quarantinePage + 50
	var in strings.Builder
	for i := range n {
		fmt.Fprintf(&in, `{"id":"d%04d","userId":"u%04d","userPrincipalName":"u%04d@contoso.com","riskEventType":"leakedCredentials","riskLevel":"high","activityDateTime":"2025-06-01T00:00:00Z"}`+"\n", i, i, i)
	}
	// A text longer than a listing reads at once, with what JSON escapes.
	long := "{\"q\":\"" + strings.Repeat("é \"<&>\\ 😀 \xff\t", 10_000) + "\""
	for i := range bad {
		if i == 7 {
			in.WriteString(long + "\n")
			continue
		}
		fmt.Fprintf(&in, "bad %d\n", i)
	}
	if _, err := svc.IngestDetections(ctx, strings.NewReader(in.String()), service.IngestOptions{Source: "in"}); err != nil {
		t.Fatal(err)
	}
	svc.Close()

	run := func(args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		code := Run(ctx, append(args, "--data-dir", dir), Env{Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }})
		if code != ExitOK {
			t.Fatalf("%v: exit %d: %s", args, code, stderr.String())
		}
		return stdout.String()
	}
	count := func(out string) int {
		t.Helper()
		var rows []json.RawMessage
		if err := json.Unmarshal([]byte(out), &rows); err != nil {
			t.Fatalf("not one JSON array: %v\n%.300s", err, out)
		}
		return len(rows)
	}
	lines := func(out string) int { return strings.Count(out, "\n") }

	for _, tc := range []struct {
		args []string
		json int
	}{
		{[]string{"alerts", "--limit", "0"}, n},
		{[]string{"alerts", "--limit", "3", "--offset", fmt.Sprint(n - 2)}, 2},
		{[]string{"users"}, n},
		{[]string{"users", "--limit", "5", "--offset", fmt.Sprint(n - 2)}, 2},
		{[]string{"remediations"}, n},
		{[]string{"remediations", "--limit", fmt.Sprint(cliPage + 1)}, cliPage + 1},
		{[]string{"quarantine"}, bad},
		{[]string{"quarantine", "--limit", "3"}, 3},
		{[]string{"users", "--offset", fmt.Sprint(n)}, 0},
	} {
		if got := count(run(append(tc.args, "--output", "json")...)); got != tc.json {
			t.Errorf("%v --output json printed %d rows, want %d", tc.args, got, tc.json)
		}
		if got := lines(run(append(tc.args, "--output", "table")...)); got != tc.json+1 {
			t.Errorf("%v --output table printed %d lines, want a header and %d rows", tc.args, got, tc.json)
		}
	}

	var entries []map[string]any
	if err := json.Unmarshal([]byte(run("quarantine", "--output", "json")), &entries); err != nil {
		t.Fatal(err)
	}
	var want string
	quoted, _ := json.Marshal(long)
	_ = json.Unmarshal(quoted, &want)
	if entries[7]["raw"] != want || entries[7]["size"] != float64(len(long)) || entries[8]["raw"] != "bad 8" {
		t.Fatalf("the long text printed as %d characters, want all %d", len(fmt.Sprint(entries[7]["raw"])), len(want))
	}
	id := entryID(t, entries[7])
	if got := run("quarantine", "--raw", fmt.Sprint(id)); got != long {
		t.Fatalf("--raw printed %d bytes, want the %d of the record, byte for byte", len(got), len(long))
	}
	after := entryID(t, entries[bad-3])
	if got := count(run("quarantine", "--after", fmt.Sprint(after), "--output", "json")); got != 2 {
		t.Fatalf("--after the third to last printed %d entries, want 2", got)
	}
}

// entryID is a quarantine entry's id as JSON decoded it into a map.
func entryID(t *testing.T, entry map[string]any) int64 {
	t.Helper()
	id, ok := entry["id"].(float64)
	if !ok {
		t.Fatalf("entry id %v is not a number", entry["id"])
	}
	return int64(id)
}
