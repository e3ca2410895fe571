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
func migrate(ctx context.Context, db *sql.DB) error {
	sqlTx, err := db.BeginTx(ctx, nil)
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
		if applied[m.Version] {
			continue
		}
		if _, err := sqlTx.ExecContext(ctx, m.SQL); err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
		if fill := afterMigration[m.Version]; fill != nil {
			t := &tx{q: sqlTx, stmts: map[string]*sql.Stmt{}}
			err := fill(ctx, t)
			t.close()
			if err != nil {
				return fmt.Errorf("migration %s: %w", m.Name, err)
			}
		}
		if _, err := sqlTx.ExecContext(ctx, `INSERT INTO schema_migrations (version) VALUES (?)`, m.Version); err != nil {
			return err
		}
	}
	return sqlTx.Commit()
}

// afterMigration fills, in Go and in the migration's transaction, what a
// migration's SQL cannot: the alert counts need fields that only the
// alerts' payloads hold.
var afterMigration = map[int]func(ctx context.Context, t *tx) error{
	2: backfillAlertCounts,
}
