package cli_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// The tests of this file run the real binary, as users and benchmarks do:
// several engine processes on one database, `engine serve` stopped by a
// signal. TestMain builds it once.

var (
	binDir    string
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "idp-cli-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// binary builds terraform-provider-idp (once) and returns its path.
func binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		binPath = filepath.Join(binDir, "terraform-provider-idp")
		_, file, _, _ := runtime.Caller(0)
		root := filepath.Join(filepath.Dir(file), "..", "..")
		cmd := exec.Command("go", "build", "-o", binPath, ".")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// engineCmd is `terraform-provider-idp engine ARGS...` with a clean
// environment plus env.
func engineCmd(t testing.TB, ctx context.Context, env []string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, binary(t), append([]string{"engine"}, args...)...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "TMPDIR=" + os.TempDir()}, env...)
	return cmd
}

// run runs an engine command to completion and returns its stdout.
func run(t testing.TB, env []string, args ...string) []byte {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := engineCmd(t, context.Background(), env, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("engine %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.Bytes()
}

type summary struct {
	Read, Accepted, Updated, Duplicates, Quarantined int64
	AlertsCreated                                    int64 `json:"alerts_created"`
}

// alertView is an alert as `engine alerts --output json` prints it, less
// created_at and updated_at: the moments a process got there.
type alertView struct {
	ID                string   `json:"id"`
	Policy            string   `json:"policy"`
	Severity          string   `json:"severity"`
	Status            string   `json:"status"`
	UserID            string   `json:"user_id"`
	UserPrincipalName string   `json:"user_principal_name"`
	UserDisplayName   string   `json:"user_display_name"`
	DetectionCount    int      `json:"detection_count"`
	RiskEventTypes    []string `json:"risk_event_types"`
	FirstSeen         string   `json:"first_seen"`
	LastSeen          string   `json:"last_seen"`
}

func alertsOf(t *testing.T, url string) map[string]alertView {
	t.Helper()
	out := run(t, nil, "alerts", "--database-url", url, "--limit", "0", "--output", "json")
	var list []alertView
	if err := json.Unmarshal(out, &list); err != nil {
		t.Fatal(err)
	}
	byID := make(map[string]alertView, len(list))
	for _, a := range list {
		byID[a.ID] = a
	}
	if len(byID) != len(list) {
		t.Fatalf("alerts lists %d alerts under %d ids", len(list), len(byID))
	}
	return byID
}

func writeLines(t testing.TB, path string, lines []string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(strings.Join(lines, "")), 0o600); err != nil {
		t.Fatal(err)
	}
}

// readLines reads a file as lines, each with its newline.
func readLines(t testing.TB, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	r := bufio.NewReaderSize(f, 1<<20)
	for {
		line, err := r.ReadString('\n')
		if line != "" {
			lines = append(lines, line)
		}
		if err == io.EOF {
			return lines
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}
