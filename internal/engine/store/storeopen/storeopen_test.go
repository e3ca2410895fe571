package storeopen_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/store/sqlite"
	"github.com/idp/terraform-provider-idp/internal/engine/store/storeopen"
)

func TestOpenWithoutURLIsSQLiteInTheDataDir(t *testing.T) {
	dir := t.TempDir()
	s, err := storeopen.Open(context.Background(), dir, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, ok := s.(*sqlite.Store); !ok {
		t.Fatalf("opened a %T, want SQLite", s)
	}
	if _, err := os.Stat(filepath.Join(dir, sqlite.FileName)); err != nil {
		t.Fatalf("no database in the data directory: %v", err)
	}
}

func TestOpenWithURLIsPostgreSQL(t *testing.T) {
	_, err := storeopen.Open(context.Background(), t.TempDir(), "postgres://%zz", nil)
	if !errors.Is(err, engine.ErrInvalid) {
		t.Fatalf("a bad PostgreSQL URL: %v, want engine.ErrInvalid from the PostgreSQL backend", err)
	}
}
