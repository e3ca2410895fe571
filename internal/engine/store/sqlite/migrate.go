package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"

	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrate applies, in one write transaction, the migrations the database
// has not seen. Two processes opening a new data directory at once both
// succeed: the second waits for the write lock, then finds nothing to do.
func migrate(ctx context.Context, db *sql.DB) error { return migrateTo(ctx, db, 0) }

// migrateTo applies the migrations up to version upTo (0: all of them);
// tests use it to build a store as an older engine left it.
func migrateTo(ctx context.Context, db *sql.DB, upTo int) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close() }()
	// A migration that rebuilds a table sorts all of its keys into a new
	// index. With the store's temp_store(MEMORY) the sort would sit in
	// memory and grow with the store (migration 0008 on 5,000,000
	// detections: a 671 MiB peak); on temporary files it is held to the
	// cache size, and the process peaked at 159 MiB.
	if _, err := conn.ExecContext(ctx, `PRAGMA temp_store = FILE`); err != nil {
		return err
	}
	defer func() {
		// A connection left on FILE is slower for queries, not wrong.
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA temp_store = MEMORY`)
	}()
	sqlTx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer sqlTx.Rollback()
	if _, err := sqlTx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)`); err != nil {
		return err
	}
	applied := map[int]bool{}
	rows, err := sqlTx.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return err
		}
		applied[v] = true
	}
	rows.Close()
	all, err := store.Migrations(migrations)
	if err != nil {
		return err
	}
	for _, m := range all {
		if applied[m.Version] || (upTo > 0 && m.Version > upTo) {
			continue
		}
		if _, err := sqlTx.ExecContext(ctx, m.SQL); err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
		if step := upgrades[m.Version]; step != nil {
			if err := step(ctx, sqlTx); err != nil {
				return fmt.Errorf("migration %s: %w", m.Name, err)
			}
		}
		if _, err := sqlTx.ExecContext(ctx, `INSERT INTO schema_migrations (version) VALUES (?)`, m.Version); err != nil {
			return err
		}
	}
	return sqlTx.Commit()
}
