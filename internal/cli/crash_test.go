package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"syscall"
	"testing"
	"time"

	"github.com/idp/terraform-provider-idp/internal/generate"
)

// buildBinary compiles the provider binary once for the subprocess tests.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "terraform-provider-idp")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/idp/terraform-provider-idp")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the binary: %v\n%s", err, out)
	}
	return bin
}

// alertsWithoutClock lists alerts as JSON objects without the engine's
// timestamps, which legitimately differ between runs.
func alertsWithoutClock(t *testing.T, bin, dir string) []map[string]any {
	t.Helper()
	out, err := exec.Command(bin, "engine", "alerts", "--data-dir", dir, "--output", "json", "--limit", "0").Output()
	if err != nil {
		t.Fatalf("alerts: %v", err)
	}
	var alerts []map[string]any
	if err := json.Unmarshal(out, &alerts); err != nil {
		t.Fatal(err)
	}
	for _, a := range alerts {
		delete(a, "created_at")
		delete(a, "updated_at")
	}
	return alerts
}

// TestKillNineThenRerun kills `engine ingest` with SIGKILL at several
// moments and reruns it; the alerts must be exactly those of a run that was
// never interrupted. Small transactions give the kills many commit points
// to land between and inside.
func TestKillNineThenRerun(t *testing.T) {
	bin := buildBinary(t)
	input := filepath.Join(t.TempDir(), "detections.ndjson")
	var b bytes.Buffer
	if err := generate.Detections(&b, generate.Options{Records: 60_000, Users: 300, Seed: 3, UpdateEvery: 9, StaleEvery: 13}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(input, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	ingest := func(dir string) *exec.Cmd {
		return exec.Command(bin, "engine", "ingest", "--data-dir", dir, "--tx-records", "4000", "--output", "json", input)
	}

	clean := t.TempDir()
	if out, err := ingest(clean).CombinedOutput(); err != nil {
		t.Fatalf("uninterrupted run: %v\n%s", err, out)
	}
	want := alertsWithoutClock(t, bin, clean)
	if len(want) < 100 {
		t.Fatalf("only %d alerts: the input proves too little", len(want))
	}

	crashed := t.TempDir()
	killed := 0
	for _, after := range []time.Duration{30 * time.Millisecond, 150 * time.Millisecond, 400 * time.Millisecond, 700 * time.Millisecond} {
		cmd := ingest(crashed)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(after)
		if err := cmd.Process.Signal(syscall.SIGKILL); err == nil {
			killed++
		}
		cmd.Wait()
	}
	if killed == 0 {
		t.Fatal("every run finished before it could be killed: nothing was tested")
	}
	if out, err := ingest(crashed).CombinedOutput(); err != nil {
		t.Fatalf("rerun after kill -9: %v\n%s", err, out)
	}
	got := alertsWithoutClock(t, bin, crashed)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("after %d kills and a rerun: %d alerts, want %d (first difference hidden in %d entries)", killed, len(got), len(want), len(want))
	}
}
