package cli_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// `engine ingest /dev/zero` reads one record that never ends. Its spill
// file is unlinked as soon as it is created, so the temporary directory
// stays empty while it runs and after any end, kill -9 included; SIGINT
// and SIGTERM stop it.
func TestIngestOfARecordThatNeverEnds(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero on this system")
	}
	for _, tc := range []struct {
		name   string
		signal syscall.Signal
	}{
		{"SIGINT", syscall.SIGINT},
		{"SIGTERM", syscall.SIGTERM},
		{"kill -9", syscall.SIGKILL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tmp := t.TempDir()
			var stderr bytes.Buffer
			cmd := engineCmd(t, context.Background(), []string{"TMPDIR=" + tmp}, "ingest", "--data-dir", t.TempDir(), "/dev/zero")
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			t.Cleanup(func() { _ = cmd.Process.Kill() })

			waitForSpill(t, cmd.Process.Pid, tmp, exited)
			if names := dirNames(t, tmp); len(names) != 0 {
				t.Errorf("while it runs, the temporary directory holds %v", names)
			}
			if err := cmd.Process.Signal(tc.signal); err != nil {
				t.Fatal(err)
			}
			var err error
			select {
			case err = <-exited:
			case <-time.After(time.Minute):
				t.Fatalf("the process ignored %s for a minute", tc.name)
			}
			var exit *exec.ExitError
			if !errors.As(err, &exit) {
				t.Fatalf("exit: %v", err)
			}
			if tc.signal != syscall.SIGKILL && (exit.ExitCode() != 1 || !strings.Contains(stderr.String(), "error: interrupted: /dev/zero: context canceled")) {
				t.Errorf("after %s: exit %d, stderr %q; want 1 and the interruption", tc.name, exit.ExitCode(), stderr.String())
			}
			if names := dirNames(t, tmp); len(names) != 0 {
				t.Errorf("after %s, the temporary directory holds %v", tc.name, names)
			}
		})
	}
}

// waitForSpill waits until the process has a file of dir open: it is then
// writing the endless record to its spill.
func waitForSpill(t *testing.T, pid int, dir string, exited <-chan error) {
	t.Helper()
	fds := filepath.Join("/proc", strconv.Itoa(pid), "fd")
	for start := time.Now(); time.Since(start) < time.Minute; time.Sleep(20 * time.Millisecond) {
		select {
		case err := <-exited:
			t.Fatalf("the process ended before it spilled: %v", err)
		default:
		}
		links, err := os.ReadDir(fds)
		if err != nil {
			t.Fatalf("listing the process's files: %v", err)
		}
		for _, l := range links {
			target, err := os.Readlink(filepath.Join(fds, l.Name()))
			if err == nil && strings.HasPrefix(target, dir+string(filepath.Separator)) {
				return
			}
		}
	}
	t.Fatalf("the process never opened a spill file in %s", dir)
}

func dirNames(t *testing.T, dir string) []string {
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
