//go:build unix

package filesource_test

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest/filesource"
)

// layout is a root holding a file, a FIFO, a directory, a link to the file
// and a link out of the root, next to a secret file outside it.
type layout struct {
	root, file, fifo, dir, linkIn, linkOut, dirLinkOut, secret string
}

func newLayout(t *testing.T) layout {
	t.Helper()
	base := t.TempDir()
	l := layout{root: filepath.Join(base, "root"), secret: filepath.Join(base, "secret.txt")}
	l.file = filepath.Join(l.root, "in.ndjson")
	l.fifo = filepath.Join(l.root, "fifo")
	l.dir = filepath.Join(l.root, "dir")
	l.linkIn = filepath.Join(l.root, "link-in")
	l.linkOut = filepath.Join(l.root, "link-out")
	l.dirLinkOut = filepath.Join(l.root, "up")
	must(t, os.MkdirAll(l.dir, 0o700))
	must(t, os.WriteFile(l.file, []byte("{}\n"), 0o600))
	must(t, os.WriteFile(l.secret, []byte("secret\n"), 0o600))
	must(t, syscall.Mkfifo(l.fifo, 0o600))
	must(t, os.Symlink(l.file, l.linkIn))
	must(t, os.Symlink(l.secret, l.linkOut))
	must(t, os.Symlink(base, l.dirLinkOut))
	return l
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Every engine refuses what is not a regular file, at once: a FIFO with no
// writer would otherwise block the open for as long as none comes.
func TestOnlyRegularFilesAreOpened(t *testing.T) {
	l := newLayout(t)
	restricted, err := filesource.Restrict([]string{l.root})
	must(t, err)
	for name, access := range map[string]filesource.Access{"unrestricted": filesource.Unrestricted(), "restricted": restricted} {
		for _, path := range []string{l.fifo, l.dir} {
			if err := access.Check(path); !errors.Is(err, filesource.ErrNotRegular) || !errors.Is(err, engine.ErrInvalid) {
				t.Errorf("%s: Check(%s) = %v, want ErrNotRegular and ErrInvalid", name, path, err)
			}
			if f, err := access.Open(path); !errors.Is(err, filesource.ErrNotRegular) {
				if f != nil {
					f.Close()
				}
				t.Errorf("%s: Open(%s) = %v, want ErrNotRegular", name, path, err)
			}
		}
		f, err := access.Open(l.file)
		if err != nil {
			t.Fatalf("%s: Open(a regular file): %v", name, err)
		}
		b, err := io.ReadAll(f)
		f.Close()
		if err != nil || string(b) != "{}\n" {
			t.Errorf("%s: read %q, %v", name, b, err)
		}
	}
	if _, err := filesource.Unrestricted().Open("/dev/null"); !errors.Is(err, filesource.ErrNotRegular) {
		t.Errorf("Open(/dev/null) = %v, want ErrNotRegular", err)
	}
}

func TestRestrictedPathRules(t *testing.T) {
	l := newLayout(t)
	access, err := filesource.Restrict([]string{l.root})
	must(t, err)
	none, err := filesource.Restrict(nil)
	must(t, err)
	for _, tc := range []struct {
		name   string
		access filesource.Access
		path   string
		want   error // nil: allowed
	}{
		{"a file under the root", access, l.file, nil},
		{"a link that stays under the root", access, l.linkIn, nil},
		{"a file that does not exist yet", access, filepath.Join(l.root, "later.ndjson"), nil},
		{"a file outside the root", access, l.secret, filesource.ErrOutsideRoots},
		{"a system file", access, "/etc/os-release", filesource.ErrOutsideRoots},
		{"dot-dot, even back into the root", access, l.root + "/dir/../in.ndjson", filesource.ErrOutsideRoots},
		{"dot-dot out of the root", access, l.root + "/../secret.txt", filesource.ErrOutsideRoots},
		{"a link out of the root", access, l.linkOut, filesource.ErrOutsideRoots},
		{"through a directory link out of the root", access, filepath.Join(l.dirLinkOut, "secret.txt"), filesource.ErrOutsideRoots},
		{"a missing file behind a directory link out", access, filepath.Join(l.dirLinkOut, "nothing-yet"), filesource.ErrOutsideRoots},
		{"no roots configured", none, l.file, filesource.ErrOutsideRoots},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.access.Check(tc.path)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Check: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.want) || !errors.Is(err, engine.ErrInvalid) {
				t.Fatalf("Check = %v, want %v wrapped with ErrInvalid", err, tc.want)
			}
			f, err := tc.access.Open(tc.path)
			if f != nil {
				f.Close()
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("Open = %v, want %v", err, tc.want)
			}
		})
	}
}

// A path that passed the check when the integration was written and was
// then replaced by a link out of the root is refused when it is read.
func TestPathTurnedIntoALinkIsRefusedWhenRead(t *testing.T) {
	l := newLayout(t)
	access, err := filesource.Restrict([]string{l.root})
	must(t, err)
	must(t, access.Check(l.file))
	must(t, os.Remove(l.file))
	must(t, os.Symlink(l.secret, l.file))
	f, err := access.Open(l.file)
	if f != nil {
		f.Close()
	}
	if !errors.Is(err, filesource.ErrOutsideRoots) {
		t.Fatalf("Open = %v, want ErrOutsideRoots", err)
	}
}

// A file that is missing when read is the usual not-found error, not a
// refusal: nothing broke a rule.
func TestMissingFileIsNotARefusal(t *testing.T) {
	l := newLayout(t)
	access, err := filesource.Restrict([]string{l.root})
	must(t, err)
	_, err = access.Open(filepath.Join(l.root, "gone.ndjson"))
	if !errors.Is(err, fs.ErrNotExist) || errors.Is(err, engine.ErrInvalid) {
		t.Fatalf("Open = %v, want fs.ErrNotExist only", err)
	}
}

func TestRestrictChecksTheRoots(t *testing.T) {
	l := newLayout(t)
	for _, roots := range [][]string{{filepath.Join(l.root, "missing")}, {l.file}} {
		if _, err := filesource.Restrict(roots); !errors.Is(err, engine.ErrInvalid) {
			t.Errorf("Restrict(%v) = %v, want ErrInvalid", roots, err)
		}
	}
}
