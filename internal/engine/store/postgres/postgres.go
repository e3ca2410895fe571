// Package postgres is the shared store: PostgreSQL through pgx, for several
// engine processes on one database. Its schema and encodings mirror the
// SQLite store's, and it passes the same conformance suite.
//
// Concurrency. Write transactions run at READ COMMITTED, so every statement
// sees what was committed before it began. Tx.Lock serializes writers on
// what they share: it takes row locks (SELECT ... FOR UPDATE) on hashed
// buckets of the detections, groups and users a batch is about to read and
// change, and holds them until commit. A batch reads a detection, a group's
// members and alert, or a user's risk only after locking its bucket, so it
// always reads the last committed state and no other writer can change it
// before this one commits: the outcome is that of running the batches one
// after the other, in lock order. Batches that share nothing run in
// parallel.
//
// Deadlock freedom. Each bucket is one row of lock_buckets, id = kind *
// 65536 + bucket, with kinds ordered settings < detections < groups < users.
// One Lock call locks its rows in ascending id order (ORDER BY id FOR
// UPDATE), and the engine calls Lock in the order detections, groups, users,
// so every transaction acquires locks in ascending id order and no cycle of
// waits can form. A transaction that broke the order (locking a lower bucket
// after a higher one) could deadlock; PostgreSQL then aborts one side with
// 40P01 and Update runs it again, as it does on a serialization failure
// (40001, which CockroachDB reports where PostgreSQL would block).
//
// Row locks rather than advisory locks: a batch of 100,000 records touches
// every bucket, and thousands of advisory locks per transaction overflow
// the shared lock table at PostgreSQL's default max_locks_per_transaction;
// a row lock is kept in the row itself.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

// Options tune the store; zero values take the defaults.
type Options struct {
	Logger hclog.Logger
	// MaxConns caps the connection pool (default: pgxpool's, at least 4).
	MaxConns int32
	// MaxAttempts is how many times Update runs a transaction that failed
	// on a serialization failure or a deadlock (default 10).
	MaxAttempts int
}

// Store is a PostgreSQL database.
type Store struct {
	pool     *pgxpool.Pool
	log      hclog.Logger
	attempts int
}

var _ store.Store = (*Store)(nil)

// Open connects to the database the URL names and brings its schema up to
// date. The URL is never logged or returned in errors, nor is its password
// (redact.go).
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 10
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's error is not wrapped: it quotes the URL (redact.go).
		return nil, fmt.Errorf("%w: the PostgreSQL URL cannot be parsed: %s", engine.ErrInvalid, parseProblem(url, err))
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	where := fmt.Sprintf("%s:%d/%s", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connecting to PostgreSQL at %s: %w", where, err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connecting to PostgreSQL at %s: %w", where, err)
	}
	s := &Store{pool: pool, log: opts.Logger, attempts: opts.MaxAttempts}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("preparing the schema of PostgreSQL at %s: %w", where, err)
	}
	return s, nil
}

func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.pool.Ping(ctx) }

// Update runs fn in a READ COMMITTED transaction and commits. A transaction
// that fails on a serialization failure or a deadlock is rolled back and
// run again, with a short random pause, so fn must be safe to run more than
// once (the engine's are: they only read the unit they apply).
func (s *Store) Update(ctx context.Context, fn func(store.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := s.update(ctx, fn)
		if err == nil || !Retryable(err) || attempt >= s.attempts {
			return err
		}
		pause := time.Duration(rand.Int64N(int64(20*time.Millisecond)*int64(attempt))) + time.Millisecond
		s.log.Debug("transaction conflicted; running it again", "attempt", attempt, "pause", pause, "error", err)
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(pause):
		}
	}
}

func (s *Store) update(ctx context.Context, fn func(store.Tx) error) error {
	ptx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return fmt.Errorf("beginning a write transaction: %w", err)
	}
	t := newTx(ptx)
	if err := fn(t); err != nil {
		return errors.Join(err, rollback(ptx))
	}
	if err := ptx.Commit(ctx); err != nil {
		return fmt.Errorf("committing: %w", err)
	}
	return nil
}

// View runs fn in a read-only REPEATABLE READ transaction: one snapshot for
// every statement.
func (s *Store) View(ctx context.Context, fn func(store.Reader) error) error {
	ptx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("beginning a read transaction: %w", err)
	}
	err = fn(newTx(ptx))
	return errors.Join(err, rollback(ptx))
}

// rollback ends a transaction even when the caller's context is done, so
// the connection goes back to the pool clean.
func rollback(t pgx.Tx) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := t.Rollback(ctx); err != nil && !errors.Is(err, pgx.ErrTxClosed) {
		return fmt.Errorf("rolling back: %w", err)
	}
	return nil
}

// Retryable reports whether err is a transient conflict between
// transactions (serialization failure or deadlock), after which running the
// transaction again can succeed.
func Retryable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "40001" || pgErr.Code == "40P01"
	}
	return false
}
