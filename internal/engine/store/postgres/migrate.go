package postgres

import (
	"context"
	"embed"
	"fmt"

	"github.com/idp/terraform-provider-idp/internal/engine/store"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock is the advisory lock key that serializes migrations: two
// processes opening a new database at once must not both create tables.
const migrationLock = 0x69647000 // "idp\0"

// migrate applies, in one transaction, the migrations the database has not
// seen. PostgreSQL's DDL is transactional: a failed migration leaves
// nothing behind.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLock)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)`); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT version FROM schema_migrations`)
		if err != nil {
			return err
		}
		versions, err := pgx.CollectRows(rows, pgx.RowTo[int32])
		if err != nil {
			return err
		}
		applied := map[int]bool{}
		for _, v := range versions {
			applied[int(v)] = true
		}
		all, err := store.Migrations(migrations)
		if err != nil {
			return err
		}
		for _, m := range all {
			if applied[m.Version] {
				continue
			}
			// The simple protocol runs a file of several statements at once.
			if _, err := tx.Exec(ctx, m.SQL, pgx.QueryExecModeSimpleProtocol); err != nil {
				return fmt.Errorf("migration %s: %w", m.Name, err)
			}
			if fill := afterMigration[m.Version]; fill != nil {
				if err := fill(ctx, newTx(tx)); err != nil {
					return fmt.Errorf("migration %s: %w", m.Name, err)
				}
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, m.Version); err != nil {
				return err
			}
		}
		return nil
	})
}

// afterMigration fills, in Go and in the migration's transaction, what is
// computed the same way in every backend: the alert counts.
var afterMigration = map[int]func(ctx context.Context, t *tx) error{
	2: backfillAlertCounts,
}
