package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// run runs one engine command in-process.
func run(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Run(context.Background(), args, Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }})
	return code, out.String(), errOut.String()
}

const sample = `{"id":"a","userId":"u1","riskEventType":"unlikelyTravel","riskLevel":"high","riskState":"atRisk","activity":"signin","activityDateTime":"2025-06-01T01:00:00Z","userPrincipalName":"u1@example.com"}
{"id":"b","userId":"u2","riskEventType":"leakedCredentials","riskLevel":"low","activity":"user","activityDateTime":"2025-06-01T02:00:00.1234567Z"}
{"id":"c","userId":"u3"}
`

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestIngestAndListJSONFieldNames(t *testing.T) {
	dir := t.TempDir()
	code, out, stderr := run(t, sample, "ingest", "--data-dir", dir, "--output", "json", "-")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var sum map[string]any
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatal(err)
	}
	wantSum := []string{"accepted", "alerts_created", "alerts_updated", "duplicates", "elapsed_seconds", "quarantined", "read", "updated", "users_remediated"}
	if !reflect.DeepEqual(keys(sum), wantSum) || sum["read"] != 3.0 || sum["accepted"] != 2.0 || sum["quarantined"] != 1.0 {
		t.Fatalf("summary = %v", sum)
	}

	code, out, _ = run(t, "", "alerts", "--data-dir", dir, "--output", "json", "--limit", "0")
	var alerts []map[string]any
	if err := json.Unmarshal([]byte(out), &alerts); err != nil || code != ExitOK {
		t.Fatalf("alerts: %v (exit %d) %s", err, code, out)
	}
	wantAlert := []string{"created_at", "detection_count", "first_seen", "id", "last_seen", "policy", "risk_event_types", "severity", "status", "updated_at", "user_display_name", "user_id", "user_principal_name"}
	if len(alerts) != 2 || !reflect.DeepEqual(keys(alerts[0]), wantAlert) {
		t.Fatalf("alerts = %v", alerts)
	}
	// Newest first, sub-second precision kept, times in UTC.
	if alerts[0]["first_seen"] != "2025-06-01T02:00:00.1234567Z" || alerts[0]["policy"] != "leaked_credentials" {
		t.Fatalf("first alert = %v", alerts[0])
	}

	code, out, _ = run(t, "", "quarantine", "--data-dir", dir, "--output", "json")
	var q []map[string]any
	if err := json.Unmarshal([]byte(out), &q); err != nil || code != ExitOK || len(q) != 1 {
		t.Fatalf("quarantine: %v %s", err, out)
	}
	// The output fields (ARCHITECTURE.md, contract §5), and the entry's id (for --raw) and size.
	if !reflect.DeepEqual(keys(q[0]), []string{"id", "line", "quarantined_at", "raw", "reason", "size", "source"}) ||
		q[0]["raw"] != `{"id":"c","userId":"u3"}` || q[0]["line"] != 3.0 || q[0]["source"] != "-" {
		t.Fatalf("quarantine entry = %v", q[0])
	}

}

func TestUsersAndRemediationsJSON(t *testing.T) {
	dir := t.TempDir()
	// Remediation is configured through the engine library (the command
	// line has no settings commands): write the policy, then ingest.
	setRemediation(t, dir)
	if code, _, stderr := run(t, sample, "ingest", "--data-dir", dir, "-"); code != ExitOK {
		t.Fatalf("ingest: %s", stderr)
	}
	for cmd, want := range map[string][]string{
		"users":        {"actions", "managed_device", "remediated_at", "risk_level", "risk_state", "user_id", "user_principal_name"},
		"remediations": {"actions", "alert_id", "outcome", "policy", "time", "user_id"},
	} {
		code, out, _ := run(t, "", cmd, "--data-dir", dir, "--output", "json")
		var rows []map[string]any
		if err := json.Unmarshal([]byte(out), &rows); err != nil || code != ExitOK || len(rows) != 1 {
			t.Fatalf("%s: %v %s", cmd, err, out)
		}
		if !reflect.DeepEqual(keys(rows[0]), want) {
			t.Errorf("%s fields = %v, want %v", cmd, keys(rows[0]), want)
		}
	}
	code, out, _ := run(t, "", "users", "--data-dir", dir)
	if code != ExitOK || !strings.Contains(out, "u1@example.com") || !strings.Contains(out, "require_managed_device") {
		t.Fatalf("users table:\n%s", out)
	}
}

func TestExitStatuses(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no command", nil, ExitUsage, "usage"},
		{"unknown command", []string{"frobnicate"}, ExitUsage, "unknown engine command"},
		{"unknown flag", []string{"alerts", "--data-dir", dir, "--colour"}, ExitUsage, "flag provided but not defined"},
		{"bad output", []string{"alerts", "--data-dir", dir, "--output", "yaml"}, ExitUsage, "--output must be one of"},
		{"bad severity", []string{"alerts", "--data-dir", dir, "--min-severity", "severe"}, ExitUsage, "--min-severity"},
		{"bad status", []string{"alerts", "--data-dir", dir, "--status", "closed"}, ExitUsage, "--status"},
		{"ingest without files", []string{"ingest", "--data-dir", dir}, ExitUsage, "FILE"},
		{"bad type", []string{"ingest", "--data-dir", dir, "--type", "users", "-"}, ExitUsage, "--type"},
		{"missing file", []string{"ingest", "--data-dir", dir, filepath.Join(dir, "nope.ndjson")}, ExitFailure, "no such file"},
		{"flags after the file", []string{"ingest", "-", "--data-dir", dir, "--output", "json"}, ExitOK, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := run(t, "", tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.stderr) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, stderr, tc.code, tc.stderr)
			}
			if code != ExitOK && strings.Count(strings.TrimSpace(stderr), "\n") > 1 && tc.code != ExitUsage {
				t.Fatalf("error is not one line: %q", stderr)
			}
		})
	}
}

func TestDisabledExitsThreeAndConsumesNothing(t *testing.T) {
	dir := t.TempDir()
	setEnabled(t, dir, false)
	code, out, stderr := run(t, sample, "ingest", "--data-dir", dir, "--output", "json", "-")
	if code != ExitDisabled || out != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "disabled") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	setEnabled(t, dir, true)
	code, out, _ = run(t, sample, "ingest", "--data-dir", dir, "--output", "json", "-")
	var sum map[string]any
	json.Unmarshal([]byte(out), &sum)
	if code != ExitOK || sum["accepted"] != 2.0 {
		t.Fatalf("after enabling: exit %d, %s", code, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "idp.db")); err != nil {
		t.Fatal(err)
	}
}
