// Package filesource opens the files a file source names, and decides which
// files it may name.
//
// Every engine opens only regular files, and opens them without blocking: a
// FIFO with no writer, a device or a directory is refused at once rather
// than waited on. An engine that acts with the privileges of its user (the
// embedded engine, the command line) may read any file that user can;
// `engine serve`, which acts for whoever holds a token, reads only files
// under the source roots its operator named, and none when none are named.
package filesource

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

// Errors of the path rules. Both come wrapped with engine.ErrInvalid, so an
// API answers them 422.
var (
	// ErrOutsideRoots: the path is not under a source root, names "..", or
	// leads out of the roots through a symbolic link.
	ErrOutsideRoots = errors.New("not under a source root")
	// ErrNotRegular: the path is a FIFO, device, socket or directory.
	ErrNotRegular = errors.New("not a regular file")
)

// RootsHint tells an operator how roots are named, for error messages.
const RootsHint = "the operator names them with --source-root or IDP_SOURCE_ROOTS"

// Access says which files a file source may name. The zero value is an
// engine acting with its user's privileges: any regular file.
type Access struct {
	// Restricted limits sources to files under Roots. With no roots, no
	// file source can be read.
	Restricted bool
	// Roots are absolute, clean directories (see Roots).
	Roots []string
}

// Unrestricted is the access of an engine acting with its user's
// privileges.
func Unrestricted() Access { return Access{} }

// Restrict limits sources to files under roots, which must be existing
// directories; relative ones are made absolute against the working
// directory.
func Restrict(roots []string) (Access, error) {
	a := Access{Restricted: true}
	for _, r := range roots {
		if strings.TrimSpace(r) == "" {
			continue
		}
		abs, err := filepath.Abs(r)
		if err != nil {
			return Access{}, fmt.Errorf("%w: source root %q: %w", engine.ErrInvalid, r, err)
		}
		info, err := os.Stat(abs)
		if err != nil {
			return Access{}, fmt.Errorf("%w: source root %q: %w", engine.ErrInvalid, r, err)
		}
		if !info.IsDir() {
			return Access{}, fmt.Errorf("%w: source root %q is not a directory", engine.ErrInvalid, r)
		}
		if !slices.Contains(a.Roots, abs) {
			a.Roots = append(a.Roots, abs)
		}
	}
	return a, nil
}

// Check applies the path rules to a path as an integration names it, when
// the integration is written: under a root, no "..", no symbolic link out
// of the roots, and, when the file exists already, a regular file. A file
// that does not exist yet is accepted (it is checked again when read).
func (a Access) Check(path string) error {
	abs, err := a.allowedPath(path)
	if err != nil {
		return err
	}
	if a.Restricted {
		resolved, err := resolveExisting(abs)
		if err != nil {
			return refused(path, err)
		}
		if _, ok := a.rootOf(resolved, true); !ok {
			return refused(path, fmt.Errorf("%w: a symbolic link leads out of the source roots (%s)", ErrOutsideRoots, RootsHint))
		}
	}
	// Stat, not Open: it never blocks, whatever the file is.
	info, err := os.Stat(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return refused(path, err)
	case !info.Mode().IsRegular():
		return refused(path, fmt.Errorf("%w (it is %s)", ErrNotRegular, kind(info.Mode())))
	}
	return nil
}

// Open opens a source file for reading, applying the path rules again (the
// path may have become a symbolic link since it was written). It never
// blocks: the file is opened non-blocking and refused unless it is a
// regular file, whose reads never block.
func (a Access) Open(path string) (*os.File, error) {
	abs, err := a.allowedPath(path)
	if err != nil {
		return nil, err
	}
	const flags = os.O_RDONLY | nonBlocking
	var f *os.File
	if a.Restricted {
		f, err = a.openUnderRoot(path, abs, flags)
	} else {
		f, err = os.OpenFile(abs, flags, 0)
	}
	if err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !info.Mode().IsRegular() {
		f.Close()
		return nil, refused(path, fmt.Errorf("%w (it is %s)", ErrNotRegular, kind(info.Mode())))
	}
	return f, nil
}

// openUnderRoot opens abs through an os.Root on its source root, which
// follows symbolic links only while they stay inside the root: a link
// swapped in after the check below cannot lead the open out of it.
func (a Access) openUnderRoot(path, abs string, flags int) (*os.File, error) {
	resolved, err := resolveExisting(abs)
	if err != nil {
		return nil, err
	}
	root, ok := a.rootOf(resolved, true)
	if !ok {
		return nil, refused(path, fmt.Errorf("%w: a symbolic link leads out of the source roots (%s)", ErrOutsideRoots, RootsHint))
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, err
	}
	rel, err := filepath.Rel(realRoot, resolved)
	if err != nil || !within(realRoot, resolved) {
		return nil, refused(path, fmt.Errorf("%w: a symbolic link leads out of the source roots (%s)", ErrOutsideRoots, RootsHint))
	}
	r, err := os.OpenRoot(realRoot)
	if err != nil {
		return nil, err
	}
	// The file opened through the root stays open when the root closes.
	defer func() { _ = r.Close() }()
	f, err := r.OpenFile(rel, flags, 0)
	switch {
	case err == nil:
		return f, nil
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, fs.ErrPermission):
		return nil, err
	}
	// The one other way os.Root fails here: a link changed since it was
	// resolved above now leads out of the root.
	return nil, refused(path, fmt.Errorf("%w: %w", ErrOutsideRoots, err))
}

// allowedPath makes path absolute and, for restricted access, applies the
// lexical rules: no ".." and under a root as written.
func (a Access) allowedPath(path string) (string, error) {
	if path == "" {
		return "", fmt.Errorf("%w: a source file path is empty", engine.ErrInvalid)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", refused(path, err)
	}
	if !a.Restricted {
		return abs, nil
	}
	if slices.Contains(strings.Split(filepath.ToSlash(path), "/"), "..") {
		return "", refused(path, fmt.Errorf("%w: the path names \"..\"", ErrOutsideRoots))
	}
	if len(a.Roots) == 0 {
		return "", refused(path, fmt.Errorf("%w: this server reads no files, no source root is configured (%s)", ErrOutsideRoots, RootsHint))
	}
	if _, ok := a.rootOf(abs, false); !ok {
		return "", refused(path, fmt.Errorf("%w: the source roots are %s (%s)", ErrOutsideRoots, strings.Join(a.Roots, ", "), RootsHint))
	}
	return abs, nil
}

// rootOf finds the root abs lies under. With resolved, abs has its links
// resolved, and so are the roots compared with it.
func (a Access) rootOf(abs string, resolved bool) (string, bool) {
	for _, root := range a.Roots {
		candidates := []string{root}
		if resolved {
			if real, err := filepath.EvalSymlinks(root); err == nil {
				candidates = append(candidates, real)
			}
		}
		for _, c := range candidates {
			if within(c, abs) {
				return root, true
			}
		}
	}
	return "", false
}

// within reports whether path is dir or below it (both absolute, clean).
func within(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// resolveExisting resolves the symbolic links of the longest part of abs
// that exists, and appends the rest: where abs leads, even when its last
// parts do not exist yet.
func resolveExisting(abs string) (string, error) {
	rest := ""
	for p := abs; ; {
		real, err := filepath.EvalSymlinks(p)
		if err == nil {
			return filepath.Join(real, rest), nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		parent := filepath.Dir(p)
		if parent == p {
			return abs, nil
		}
		rest = filepath.Join(filepath.Base(p), rest)
		p = parent
	}
}

// refused wraps a refusal with engine.ErrInvalid and the path.
func refused(path string, err error) error {
	return fmt.Errorf("%w: source file %q: %w", engine.ErrInvalid, path, err)
}

func kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m.IsDir():
		return "a directory"
	}
	return "not a regular file"
}
