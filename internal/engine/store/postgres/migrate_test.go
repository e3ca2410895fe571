package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
	"github.com/idp/terraform-provider-idp/internal/engine/store/postgres/pgtest"
)

// A database written before migration 4 holds alerts but no counts:
// opening it must count them, or the overview would show an empty engine.
func TestMigrationCountsExistingAlerts(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	// The database as an engine before migration 4 (the counts) left it.
	if err := migrateTo(ctx, pool, 3); err != nil {
		t.Fatal(err)
	}
	first := time.Date(2025, 6, 1, 3, 0, 0, 0, time.UTC)
	// Written as that engine wrote them: today's PutAlerts also keeps a
	// table of a later migration.
	for i, a := range []struct {
		severity int
		status   string
	}{{3, "open"}, {1, "resolved"}} {
		g := engine.DetectionGroup("p", engine.KeyOf(string(rune('1'+i))))
		exec(t, pool, `INSERT INTO alerts (`+alertColumns+`, upn_folded)
			VALUES ($1, $2, 'p', $3, $4, 'u1', 'ann@x', '', 0, '[]', $5, $5, 0, $5, 'ann@x')`,
			g[:], string(rune('1'+i)), a.severity, a.status, first.UnixNano())
	}
	pool.Close()

	s, err := Open(ctx, url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.View(ctx, func(r store.Reader) error {
		totals, err := r.AlertTotals(ctx)
		if err != nil {
			return err
		}
		if len(totals) != 2 || totals[0] != (store.PolicyTotal{Policy: "p", Status: engine.AlertOpen, N: 1}) ||
			totals[1] != (store.PolicyTotal{Policy: "p", Status: engine.AlertResolved, N: 1}) {
			t.Fatalf("totals after the upgrade = %+v", totals)
		}
		u, found, err := r.AlertUser(ctx, "u1")
		if err == nil && (!found || u.Open[3] != 1 || u.Resolved != 1 || u.UserPrincipalName != "ann@x") {
			t.Fatalf("user counts after the upgrade = %+v, %v", u, found)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
