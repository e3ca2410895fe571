package secret_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/idp/terraform-provider-idp/internal/engine/secret"
)

func TestSealAndOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "secret.key")
	k, err := secret.LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	const plain = "s3cr3t+Val/ue=&%~Zq8Q~x"
	sealed, err := k.Seal(plain, "graph")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sealed, plain) || !secret.IsSealed(sealed) || secret.IsSealed(plain) {
		t.Fatalf("sealed = %q", sealed)
	}
	again, _ := k.Seal(plain, "graph")
	if again == sealed {
		t.Fatal("two seals of one secret are equal: the nonce is not random")
	}
	if got, err := k.Open(sealed, "graph"); err != nil || got != plain {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := k.Open(sealed, "another purpose"); !errors.Is(err, secret.ErrWrongKey) {
		t.Fatalf("Open for another purpose = %v, want ErrWrongKey", err)
	}
	tampered := sealed[:len(sealed)-2] + "AA"
	if _, err := k.Open(tampered, "graph"); !errors.Is(err, secret.ErrWrongKey) {
		t.Fatalf("Open of an altered value = %v, want ErrWrongKey", err)
	}
	other, err := secret.LoadOrCreateKey(filepath.Join(t.TempDir(), "other.key"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Open(sealed, "graph"); !errors.Is(err, secret.ErrWrongKey) {
		t.Fatalf("Open with another key = %v, want ErrWrongKey", err)
	}

	// The file is the owner's only, and read back it is the same key.
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, %v; want 0600", info.Mode().Perm(), err)
	}
	if dir, _ := os.Stat(filepath.Dir(path)); dir.Mode().Perm() != 0o700 {
		t.Fatalf("key directory mode %v, want 0700", dir.Mode().Perm())
	}
	reloaded, err := secret.LoadKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := reloaded.Open(sealed, "graph"); err != nil || got != plain {
		t.Fatalf("Open with the reloaded key = %q, %v", got, err)
	}
}

func TestKeyFilesRefused(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := strings.Repeat("ab", secret.KeySize)
	for _, path := range []string{
		write("readable", good, 0o640),
		write("short", "abcd", 0o600),
		write("not-hex", strings.Repeat("zz", secret.KeySize), 0o600),
		dir,
	} {
		if _, err := secret.LoadKey(path); !errors.Is(err, secret.ErrKeyFile) {
			t.Errorf("LoadKey(%s) = %v, want ErrKeyFile", filepath.Base(path), err)
		}
	}
	if _, err := secret.LoadKey(write("good", good+"\n", 0o600)); err != nil {
		t.Errorf("LoadKey(good) = %v", err)
	}
	if _, err := secret.LoadKey(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("LoadKey(missing) = %v, want fs.ErrNotExist", err)
	}
}

// Processes that create the key file at once all end up with one key.
func TestConcurrentCreationAgrees(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secret.key")
	keys := make([]*secret.Key, 8)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			k, err := secret.LoadOrCreateKey(path)
			if err != nil {
				t.Error(err)
			}
			keys[i] = k
		}(i)
	}
	wg.Wait()
	sealed, err := keys[0].Seal("x", "p")
	if err != nil {
		t.Fatal(err)
	}
	for i, k := range keys {
		if k == nil {
			continue
		}
		if _, err := k.Open(sealed, "p"); err != nil {
			t.Fatalf("key %d differs: %v", i, err)
		}
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("%d files left in the key directory, want the key alone", len(entries))
	}
}
