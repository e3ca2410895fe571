package sqlite

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// The store holds alerts, user names and quarantined records: its owner's
// data. The data directory is made 0700 and the database files 0600 when
// they are created, and tightened when they already exist with wider modes
// (a store created by an older engine, or a directory made by hand): the
// engine owns its data directory, so restricting it breaks nothing, while
// refusing would stop every existing installation at its next run.
const (
	dirMode  fs.FileMode = 0o700
	fileMode fs.FileMode = 0o600
)

// sidecars are the files SQLite keeps beside the database in WAL mode. It
// creates them with the database file's mode, which is why the database
// file is created first, by the engine, with fileMode.
var sidecars = []string{"-wal", "-shm", "-journal"}

// prepareDataDir creates the data directory, or restricts an existing one
// to its owner.
func prepareDataDir(dir string) error {
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return fmt.Errorf("creating the data directory %s: %w", dir, err)
	}
	if err := restrict(dir, dirMode); err != nil {
		return fmt.Errorf("the data directory %s is open to other users and could not be restricted to its owner: %w", dir, err)
	}
	return nil
}

// prepareFiles creates the database file with fileMode when it is missing,
// and restricts it and its sidecars when they exist with wider modes.
func prepareFiles(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, fileMode)
	if err != nil {
		return fmt.Errorf("creating %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	for _, name := range append([]string{path}, sidecarPaths(path)...) {
		if err := restrict(name, fileMode); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%s is readable by other users and could not be restricted to its owner: %w", name, err)
		}
	}
	return nil
}

func sidecarPaths(path string) []string {
	out := make([]string, len(sidecars))
	for i, s := range sidecars {
		out[i] = path + s
	}
	return out
}

// restrict removes every permission beyond max from name, leaving a mode
// that is already as narrow alone (no write, so a read-only mount works).
func restrict(name string, max fs.FileMode) error {
	info, err := os.Stat(name)
	if err != nil {
		return err
	}
	if info.Mode().Perm()&^max == 0 {
		return nil
	}
	return os.Chmod(name, info.Mode().Perm()&max)
}
