package sqlite_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/idp/terraform-provider-idp/internal/engine/store"
	"github.com/idp/terraform-provider-idp/internal/engine/store/sqlite"
)

// The store's files are readable by their owner only, whether the engine
// creates the data directory, finds it open to others, or finds a store
// an older engine left with wide modes.
func TestFilesReadableByOwnerOnly(t *testing.T) {
	old := syscall.Umask(0o022)
	t.Cleanup(func() { syscall.Umask(old) })
	cases := []struct {
		name  string
		setup func(t *testing.T, dir string)
	}{
		{"new directory", func(t *testing.T, dir string) {}},
		{"existing directory open to others", func(t *testing.T, dir string) {
			mkdir(t, dir, 0o755)
		}},
		{"existing store with wide modes", func(t *testing.T, dir string) {
			mkdir(t, dir, 0o777)
			for _, name := range []string{sqlite.FileName, sqlite.FileName + "-wal", sqlite.FileName + "-shm"} {
				if err := os.WriteFile(filepath.Join(dir, name), nil, 0o666); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(filepath.Join(dir, name), 0o666); err != nil {
					t.Fatal(err)
				}
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			tc.setup(t, dir)
			s, err := sqlite.Open(context.Background(), dir, sqlite.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			// A write makes SQLite create its WAL and shared-memory files.
			if err := s.Update(context.Background(), func(tx store.Tx) error { return tx.SetCursor(context.Background(), "c", "1") }); err != nil {
				t.Fatal(err)
			}
			if mode := stat(t, dir).Mode().Perm(); mode != 0o700 {
				t.Errorf("data directory mode %o, want 700", mode)
			}
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			for _, e := range entries {
				seen[e.Name()] = true
				if mode := stat(t, filepath.Join(dir, e.Name())).Mode().Perm(); mode&0o077 != 0 {
					t.Errorf("%s has mode %o, readable by others", e.Name(), mode)
				}
			}
			for _, name := range []string{sqlite.FileName, sqlite.FileName + "-wal", sqlite.FileName + "-shm"} {
				if !seen[name] {
					t.Errorf("%s was not created, so its mode went unchecked (found %v)", name, seen)
				}
			}
		})
	}
}

func mkdir(t *testing.T, dir string, mode fs.FileMode) {
	t.Helper()
	if err := os.Mkdir(dir, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, mode); err != nil {
		t.Fatal(err)
	}
}

func stat(t *testing.T, name string) fs.FileInfo {
	t.Helper()
	info, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	return info
}
