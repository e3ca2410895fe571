package alertfixture

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/idp/terraform-provider-idp/internal/engine/store"
	"github.com/idp/terraform-provider-idp/internal/engine/store/postgres"
	"github.com/idp/terraform-provider-idp/internal/engine/store/postgres/pgtest"
	"github.com/idp/terraform-provider-idp/internal/engine/store/sqlite"
)

// MaxAge is how old a kept fixture may be: reads through the service
// apply retention on the real clock, so an old fixture would lose its
// oldest alerts to retention and make reads look faster than they are.
const MaxAge = 7 * 24 * time.Hour

// CacheDir is IDP_BENCH_CACHE, default idp-bench in the temporary
// directory.
func CacheDir() string {
	if d := os.Getenv("IDP_BENCH_CACHE"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "idp-bench")
}

// SQLite returns the data directory of a SQLite store holding the fixture
// of n alerts, building it when none is kept. Opening the store migrates
// it to this build's schema in place, so a fixture built by an older
// build is reused as a store written by it would be.
func SQLite(tb testing.TB, n int) (string, Fixture) {
	tb.Helper()
	ctx := context.Background()
	dir := filepath.Join(CacheDir(), fmt.Sprintf("alerts-sqlite-%d-v%d", n, Version))
	if f, ok := keptSQLite(tb, dir, n); ok {
		return dir, f
	}
	if err := os.RemoveAll(dir); err != nil {
		tb.Fatal(err)
	}
	st, err := sqlite.Open(ctx, dir, sqlite.Options{CacheMiB: 256})
	if err != nil {
		tb.Fatal(err)
	}
	defer st.Close()
	f := build(tb, st, n)
	return dir, f
}

func keptSQLite(tb testing.TB, dir string, n int) (Fixture, bool) {
	tb.Helper()
	if _, err := os.Stat(filepath.Join(dir, sqlite.FileName)); err != nil {
		return Fixture{}, false
	}
	st, err := sqlite.Open(context.Background(), dir, sqlite.Options{})
	if err != nil {
		tb.Logf("the kept fixture in %s does not open (%v): building it again", dir, err)
		return Fixture{}, false
	}
	defer st.Close()
	return kept(tb, st, n)
}

// Postgres returns the URL of a database holding the fixture of n alerts
// on the server of IDP_TEST_DATABASE_URL (skipping when there is none),
// building it when none is kept. The database is left in place for the
// next run.
func Postgres(tb testing.TB, n int) (string, Fixture) {
	tb.Helper()
	ctx := context.Background()
	base := os.Getenv(pgtest.EnvURL)
	if base == "" {
		if pgtest.Required() {
			tb.Fatalf("PostgreSQL is required but %s is not set", pgtest.EnvURL)
		}
		tb.Skipf("PostgreSQL: %s is not set", pgtest.EnvURL)
	}
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("%s is not a URL: %v", pgtest.EnvURL, err)
	}
	name := fmt.Sprintf("idp_bench_alerts_%d_v%d", n, Version)
	u.Path = "/" + name
	dbURL := u.String()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		tb.Fatalf("connecting to %s: %v", pgtest.EnvURL, err)
	}
	defer func() { _ = admin.Close(ctx) }()
	var exists bool
	if err := admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		tb.Fatal(err)
	}
	if exists {
		st, err := postgres.Open(ctx, dbURL, postgres.Options{})
		if err != nil {
			tb.Fatal(err)
		}
		f, ok := kept(tb, st, n)
		if err := st.Close(); err != nil {
			tb.Fatal(err)
		}
		if ok {
			return dbURL, f
		}
		if _, err := admin.Exec(ctx, `DROP DATABASE `+name+` WITH (FORCE)`); err != nil {
			tb.Fatal(err)
		}
	}
	if _, err := admin.Exec(ctx, `CREATE DATABASE `+name); err != nil {
		tb.Fatal(err)
	}
	st, err := postgres.Open(ctx, dbURL, postgres.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	f := build(tb, st, n)
	if err := st.Close(); err != nil {
		tb.Fatal(err)
	}
	// Planner statistics and the visibility map, as autovacuum would leave
	// them on a database that has been in use for a while.
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		tb.Fatal(err)
	}
	defer func() { _ = conn.Close(ctx) }()
	if _, err := conn.Exec(ctx, `VACUUM ANALYZE`); err != nil {
		tb.Fatal(err)
	}
	return dbURL, f
}

// kept reports the fixture a store holds, if it is complete and young
// enough.
func kept(tb testing.TB, st store.Store, n int) (Fixture, bool) {
	tb.Helper()
	f, ok, err := Complete(context.Background(), st, n)
	if err != nil {
		tb.Fatal(err)
	}
	if ok && time.Since(f.Now) > MaxAge {
		tb.Logf("the kept fixture of %d alerts is from %s, older than %s: building it again", n, f.Now.Format(time.RFC3339), MaxAge)
		return f, false
	}
	return f, ok
}

func build(tb testing.TB, st store.Store, n int) Fixture {
	tb.Helper()
	start := time.Now()
	f := Fixture{N: n, Now: start.UTC()}
	if err := Fill(context.Background(), st, n, f.Now); err != nil {
		tb.Fatal(err)
	}
	tb.Logf("built the fixture of %d alerts in %s", n, time.Since(start).Round(time.Second))
	return f
}
