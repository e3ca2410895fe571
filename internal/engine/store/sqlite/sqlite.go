// Package sqlite is the embedded store: one SQLite file in the data
// directory, pure Go (modernc.org/sqlite), in WAL mode with a busy timeout
// so that several engine processes can share one data directory.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

// FileName is the database file inside the data directory.
const FileName = "idp.db"

// Options tune the connection; zero values take the defaults.
type Options struct {
	// CacheMiB is SQLite's page cache for the writer (default 32): ingest
	// writes in key order, so a larger cache buys little and costs memory.
	CacheMiB int
}

// Store is a SQLite database. Writes go through one connection that begins
// every transaction IMMEDIATE (it takes the write lock at once, so two
// writers queue on the busy timeout instead of failing on upgrade); reads
// use their own pool and never wait for a writer.
type Store struct {
	writer *sql.DB
	reader *sql.DB
	path   string
}

var _ store.Store = (*Store)(nil)

// Open opens (creating when needed) the database in dataDir and brings its
// schema up to date.
func Open(ctx context.Context, dataDir string, opts Options) (*Store, error) {
	if err := prepareDataDir(dataDir); err != nil {
		return nil, err
	}
	path := filepath.Join(dataDir, FileName)
	if err := prepareFiles(path); err != nil {
		return nil, err
	}
	if opts.CacheMiB <= 0 {
		opts.CacheMiB = 32
	}
	writer, err := sql.Open("sqlite", dsn(path, opts.CacheMiB, true))
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	writer.SetMaxOpenConns(1)
	reader, err := sql.Open("sqlite", dsn(path, 8, false))
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	reader.SetMaxOpenConns(4)
	s := &Store{writer: writer, reader: reader, path: path}
	if err := migrate(ctx, writer); err != nil {
		s.Close()
		return nil, fmt.Errorf("preparing the schema of %s: %w", path, err)
	}
	return s, nil
}

func dsn(path string, cacheMiB int, write bool) string {
	q := url.Values{}
	for _, p := range []string{
		"busy_timeout(120000)",
		"journal_mode(WAL)",
		"synchronous(NORMAL)",
		"page_size(8192)",
		fmt.Sprintf("cache_size(-%d)", cacheMiB*1024),
		"temp_store(MEMORY)",
	} {
		q.Add("_pragma", p)
	}
	if write {
		q.Set("_txlock", "immediate")
	}
	return "file:" + path + "?" + q.Encode()
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

func (s *Store) Close() error {
	return errors.Join(s.reader.Close(), s.writer.Close())
}

func (s *Store) Update(ctx context.Context, fn func(store.Tx) error) error {
	sqlTx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("beginning a write transaction: %w", err)
	}
	t := &tx{q: sqlTx, stmts: map[string]*sql.Stmt{}}
	if err := fn(t); err != nil {
		t.close()
		return errors.Join(err, rollback(sqlTx))
	}
	t.close()
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("committing: %w", err)
	}
	return nil
}

func (s *Store) View(ctx context.Context, fn func(store.Reader) error) error {
	sqlTx, err := s.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("beginning a read transaction: %w", err)
	}
	t := &tx{q: sqlTx, stmts: map[string]*sql.Stmt{}}
	err = fn(t)
	t.close()
	return errors.Join(err, rollback(sqlTx))
}

func rollback(t *sql.Tx) error {
	if err := t.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return fmt.Errorf("rolling back: %w", err)
	}
	return nil
}
