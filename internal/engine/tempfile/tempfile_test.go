package tempfile

import (
	"io"
	"os"
	"testing"
)

// The file works as a file, and its directory stays empty.
func TestUnlinkedLeavesTheDirectoryEmpty(t *testing.T) {
	dir := t.TempDir()
	f, err := Unlinked(dir, "spill-*")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if names, _ := os.ReadDir(dir); len(names) != 0 {
		t.Fatalf("the directory lists %v", names)
	}
	if _, err := f.WriteString("kept bytes"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(f)
	if err != nil || string(got) != "kept bytes" {
		t.Fatalf("read back %q, %v", got, err)
	}
	if fi, err := f.Stat(); err != nil || fi.Mode().Perm()&0o077 != 0 {
		t.Fatalf("mode %v, %v: others may read it", fi.Mode(), err)
	}
}

// A directory that does not exist is an error, not a file elsewhere.
func TestUnlinkedInAMissingDirectory(t *testing.T) {
	if f, err := Unlinked(t.TempDir()+"/missing", "spill-*"); err == nil {
		f.Close()
		t.Fatal("a file was made in a missing directory")
	}
}
