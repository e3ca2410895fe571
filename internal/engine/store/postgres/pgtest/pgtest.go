// Package pgtest gives each test its own PostgreSQL database, so tests that
// need PostgreSQL run in parallel without seeing each other's rows or
// waiting on each other's locks.
//
// IDP_TEST_DATABASE_URL names a server (scripts/postgres.sh starts one);
// without it these tests skip. IDP_TEST_POSTGRES=required turns a missing
// or unreachable server into a failure: `make test` sets it, so a green run
// means the PostgreSQL tests ran.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

const (
	EnvURL      = "IDP_TEST_DATABASE_URL"
	EnvRequired = "IDP_TEST_POSTGRES"
)

// Required reports whether PostgreSQL tests must run rather than skip.
func Required() bool { return os.Getenv(EnvRequired) == "required" }

// unavailable skips the test, or fails it when PostgreSQL is required.
func unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	if Required() {
		t.Fatalf("PostgreSQL is required ("+EnvRequired+"=required) but "+format, args...)
	}
	t.Skipf("PostgreSQL tests skipped: "+format, args...)
}

// URL creates an empty database for this test and returns its URL; the
// database is dropped when the test ends.
func URL(t testing.TB) string {
	t.Helper()
	url, _ := New(t)
	return url
}

// New is URL with a function that drops the database at once (benchmarks
// drop each iteration's database so that the server's background work on
// it does not slow the next one down). Dropping twice is harmless.
func New(t testing.TB) (string, func()) {
	t.Helper()
	base := os.Getenv(EnvURL)
	if base == "" {
		unavailable(t, "%s is not set (scripts/postgres.sh start prints one)", EnvURL)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s is not a URL: %v", EnvURL, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		unavailable(t, "the server of %s does not answer: %v", EnvURL, err)
	}
	defer func() { _ = admin.Close(context.Background()) }()
	name := "idp_test_" + randomHex(8)
	if _, err := admin.Exec(ctx, `CREATE DATABASE `+name); err != nil {
		t.Fatalf("creating the test database: %v", err)
	}
	var once sync.Once
	drop := func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			admin, err := pgx.Connect(ctx, base)
			if err != nil {
				t.Logf("dropping the test database %s: %v", name, err)
				return
			}
			defer func() { _ = admin.Close(context.Background()) }()
			if _, err := admin.Exec(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
				t.Logf("dropping the test database %s: %v", name, err)
			}
		})
	}
	t.Cleanup(drop)
	u.Path = "/" + name
	return u.String(), drop
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
