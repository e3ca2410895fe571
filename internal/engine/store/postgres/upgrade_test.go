package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
	"github.com/idp/terraform-provider-idp/internal/engine/store/postgres/pgtest"
	"github.com/idp/terraform-provider-idp/internal/engine/store/storetest"
)

// openAt builds a database as the engine that knew migrations up to
// version left it, hands its pool to fill, and returns the database's URL.
func openAt(t *testing.T, version int, fill func(pool *pgxpool.Pool)) string {
	t.Helper()
	ctx := context.Background()
	url := pgtest.URL(t)
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if err := migrateTo(ctx, pool, version); err != nil {
		t.Fatal(err)
	}
	fill(pool)
	return url
}

func exec(t *testing.T, pool *pgxpool.Pool, query string, args ...any) {
	t.Helper()
	if _, err := pool.Exec(context.Background(), query, args...); err != nil {
		t.Fatal(err)
	}
}

// An existing database migrates in place: alerts written before user
// principal names were stored folded are found by the folded filter.
func TestUpgradeFoldsStoredUserPrincipalNames(t *testing.T) {
	ctx := context.Background()
	when := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	url := openAt(t, 1, func(pool *pgxpool.Pool) {
		for i, upn := range []string{"Åsa@Contoso.com", "bob@contoso.com"} {
			exec(t, pool, `INSERT INTO alerts (grp, id, policy, severity, status, user_id, upn, display_name, detection_count,
				risk_event_types, first_seen, last_seen, created_at, updated_at)
				VALUES ($1, $2, 'leaked_credentials', 3, 'open', 'u', $3, '', 1, '[]', $4, $4, $4, $4)`,
				[]byte{byte(i)}, upn, upn, when.UnixNano())
		}
	})
	s, err := Open(ctx, url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.View(ctx, func(r store.Reader) error {
		page, err := r.QueryAlerts(ctx, engine.AlertQuery{UserPrincipalName: "ÅSA@contoso.com"}, when.Add(-time.Hour))
		if err == nil && (page.Total != 1 || page.Alerts[0].ID != "Åsa@Contoso.com") {
			t.Fatalf("after the upgrade, the folded filter found %+v", page.Alerts)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// An existing quarantine moves to the compact layout in place
// (storetest.CheckUpgradedQuarantine says what that means).
func TestUpgradeMovesTheQuarantine(t *testing.T) {
	ctx := context.Background()
	when := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	old := storetest.LegacyQuarantine()
	url := openAt(t, 2, func(pool *pgxpool.Pool) {
		for _, e := range old {
			var seq int64
			err := pool.QueryRow(ctx, `INSERT INTO quarantine (reason, source, line, size, quarantined_at, digest) VALUES ($1, $2, $3, $4, $5, $6) RETURNING seq`,
				e.Reason, e.Source, e.Line, len(e.Raw), when.UnixNano(), e.Digest()).Scan(&seq)
			if err != nil {
				t.Fatal(err)
			}
			for part, data := range e.Parts() {
				exec(t, pool, `INSERT INTO quarantine_parts (seq, part, data) VALUES ($1, $2, $3)`, seq, part, data)
			}
		}
	})
	s, err := Open(ctx, url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	storetest.CheckUpgradedQuarantine(t, s, old, when)
}

// An existing audit log is indexed for write-back in place, and the lease
// an older engine kept as a cursor is dropped.
func TestUpgradeIndexesPendingWriteback(t *testing.T) {
	ctx := context.Background()
	log := storetest.WritebackLog(time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC))
	url := openAt(t, 4, func(pool *pgxpool.Pool) {
		for _, r := range log {
			exec(t, pool, `INSERT INTO remediations (time, user_id, alert_id, policy, actions, outcome) VALUES ($1, $2, $3, $4, '[]', $5)`,
				r.Time.UnixNano(), r.UserID, r.AlertID, r.Policy, r.Outcome)
		}
		exec(t, pool, `INSERT INTO cursors (source, cursor) VALUES ('graph:writeback', '{"holder":"x"}')`)
	})
	s, err := Open(ctx, url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	storetest.CheckPendingWriteback(t, s, storetest.WantPendingWriteback(log))
	err = s.View(ctx, func(r store.Reader) error {
		c, err := r.Cursor(ctx, "graph:writeback")
		if err == nil && c != "" {
			t.Errorf("the old lease cursor survived the upgrade: %q", c)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// An existing database gets the alert-query indexes in place, and the
// bound a time range relies on covers the alerts already stored: an alert
// that spans ten days is found by a range that ends on its first day.
func TestUpgradeBoundsStoredAlertSpans(t *testing.T) {
	ctx := context.Background()
	when := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	url := openAt(t, 5, func(pool *pgxpool.Pool) {
		for i, span := range []time.Duration{10 * day, 0} {
			exec(t, pool, `INSERT INTO alerts (`+alertColumns+`, upn_folded)
				VALUES ($1, $2, 'risky_sign_in', 3, 'open', 'u', 'ann@x', '', 1, '[]', $3, $4, $3, $4, 'ann@x')`,
				[]byte{byte(i)}, string(rune('a'+i)), when.UnixNano(), when.Add(span).UnixNano())
		}
	})
	s, err := Open(ctx, url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.View(ctx, func(r store.Reader) error {
		page, err := r.QueryAlerts(ctx, engine.AlertQuery{Since: when.Add(5 * day), Until: when.Add(time.Hour)}, when.Add(-time.Hour))
		if err == nil && (page.Total != 1 || len(page.Alerts) != 1 || page.Alerts[0].ID != "a") {
			t.Fatalf("after the upgrade, the range found %+v of %d; want the ten-day alert", page.Alerts, page.Total)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var indexes int
	err = s.pool.QueryRow(ctx, `SELECT count(*) FROM pg_indexes WHERE tablename = 'alerts' AND indexname IN ('alerts_by_time', 'alerts_by_policy', 'alerts_by_user')`).Scan(&indexes)
	if err != nil || indexes != 3 {
		t.Fatalf("alert-query indexes after the upgrade: %d, %v", indexes, err)
	}
}

// A store of schema 6 (before texts were kept) opens with its detections
// as they were, and newer copies keep their texts.
func TestUpgradeKeepsTextsFromNowOn(t *testing.T) {
	key := engine.KeyOf("d1")
	const version = int64(1_750_000_000_000_000_000)
	url := openAt(t, 6, func(pool *pgxpool.Pool) {
		exec(t, pool, `INSERT INTO detections (key, version, groups) VALUES ($1, $2, NULL)`, key[:], version)
	})
	s, err := Open(context.Background(), url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	storetest.CheckKeptRecordsUpgrade(t, s, key, version)
}
