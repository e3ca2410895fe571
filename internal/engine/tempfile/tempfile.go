// Package tempfile makes temporary files that have no name: spills and
// spooled bodies that must leave nothing behind, even after kill -9.
package tempfile

import (
	"errors"
	"os"
)

// Unlinked returns a read-write file in dir (the system's temporary
// directory when empty) that no directory lists. Where the system can, the
// file never has a name (Linux's O_TMPFILE); elsewhere it is named by
// pattern and removed at once, which leaves a window of one system call.
func Unlinked(dir, pattern string) (*os.File, error) {
	if dir == "" {
		dir = os.TempDir()
	}
	if f, err := openNameless(dir); err == nil || !errors.Is(err, errUnsupported) {
		return f, err
	}
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return nil, err
	}
	if err := os.Remove(f.Name()); err != nil {
		return nil, errors.Join(err, f.Close())
	}
	return f, nil
}

// errUnsupported means the system or the file system cannot make a
// nameless file, and a named one removed at once will do.
var errUnsupported = errors.New("nameless temporary files are not supported here")
