package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
	"github.com/idp/terraform-provider-idp/internal/engine/store/codec"
	"github.com/idp/terraform-provider-idp/internal/engine/store/storetest"
)

// openAt builds a store in dir as the engine that knew migrations up to
// version left it, and hands its database to fill.
func openAt(t *testing.T, dir string, version int, fill func(db *sql.DB)) {
	t.Helper()
	ctx := context.Background()
	if err := prepareDataDir(dir); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", dsn(filepath.Join(dir, FileName), 8, true))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := migrateTo(ctx, db, version); err != nil {
		t.Fatal(err)
	}
	fill(db)
}

func exec(t *testing.T, db *sql.DB, query string, args ...any) {
	t.Helper()
	if _, err := db.Exec(query, args...); err != nil {
		t.Fatal(err)
	}
}

// An existing store migrates in place: alerts written before user
// principal names were stored folded are found by the folded filter.
func TestUpgradeFoldsStoredUserPrincipalNames(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	when := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	openAt(t, dir, 1, func(db *sql.DB) {
		for i, upn := range []string{"Åsa@Contoso.com", "bob@contoso.com"} {
			a := engine.Alert{ID: upn, CreatedAt: when}
			exec(t, db, `INSERT INTO alerts (grp, id, policy, severity, status, upn, first_seen, last_seen, updated_at, payload)
				VALUES (?, ?, 'leaked_credentials', 3, 'open', ?, ?, ?, ?, ?)`,
				[]byte{byte(i)}, a.ID, upn, when.UnixNano(), when.UnixNano(), when.UnixNano(), codec.EncodeAlertPayload(a))
		}
	})
	s, err := Open(ctx, dir, Options{})
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
	dir := t.TempDir()
	when := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	old := storetest.LegacyQuarantine()
	openAt(t, dir, 2, func(db *sql.DB) {
		for _, e := range old {
			res, err := db.Exec(`INSERT INTO quarantine (reason, source, line, size, quarantined_at, digest) VALUES (?, ?, ?, ?, ?, ?)`,
				e.Reason, e.Source, e.Line, len(e.Raw), when.UnixNano(), e.Digest())
			if err != nil {
				t.Fatal(err)
			}
			seq, err := res.LastInsertId()
			if err != nil {
				t.Fatal(err)
			}
			for part, data := range e.Parts() {
				exec(t, db, `INSERT INTO quarantine_parts (seq, part, data) VALUES (?, ?, ?)`, seq, part, data)
			}
		}
	})
	s, err := Open(ctx, dir, Options{})
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
	dir := t.TempDir()
	log := storetest.WritebackLog(time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC))
	openAt(t, dir, 4, func(db *sql.DB) {
		for _, r := range log {
			exec(t, db, `INSERT INTO remediations (time, user_id, alert_id, policy, actions, outcome) VALUES (?, ?, ?, ?, '[]', ?)`,
				r.Time.UnixNano(), r.UserID, r.AlertID, r.Policy, r.Outcome)
		}
		exec(t, db, `INSERT INTO cursors (source, cursor) VALUES ('graph:writeback', '{"holder":"x"}')`)
	})
	s, err := Open(ctx, dir, Options{})
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

// An existing store gets the alert-query indexes in place, and the bound
// a time range relies on covers the alerts already stored: an alert that
// spans ten days is found by a range that ends on its first day.
func TestUpgradeBoundsStoredAlertSpans(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	when := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	openAt(t, dir, 5, func(db *sql.DB) {
		for i, span := range []time.Duration{10 * day, 0} {
			a := engine.Alert{ID: string(rune('a' + i)), CreatedAt: when}
			exec(t, db, `INSERT INTO alerts (grp, id, policy, severity, status, upn, first_seen, last_seen, updated_at, payload, upn_folded)
				VALUES (?, ?, 'risky_sign_in', 3, 'open', 'ann@x', ?, ?, ?, ?, 'ann@x')`,
				[]byte{byte(i)}, a.ID, when.UnixNano(), when.Add(span).UnixNano(), when.Add(span).UnixNano(), codec.EncodeAlertPayload(a))
		}
	})
	s, err := Open(ctx, dir, Options{})
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
	err = s.reader.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN ('alerts_by_time', 'alerts_by_policy', 'alerts_by_user')`).Scan(&indexes)
	if err != nil || indexes != 3 {
		t.Fatalf("alert-query indexes after the upgrade: %d, %v", indexes, err)
	}
}

// A store of schema 6 (before texts were kept) opens with its detections
// as they were, and newer copies keep their texts.
func TestUpgradeKeepsTextsFromNowOn(t *testing.T) {
	dir := t.TempDir()
	key := engine.KeyOf("d1")
	const version = int64(1_750_000_000_000_000_000)
	openAt(t, dir, 6, func(db *sql.DB) {
		exec(t, db, `INSERT INTO detections (key, version, groups) VALUES (?, ?, NULL)`, key[:], version)
	})
	s, err := Open(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	storetest.CheckKeptRecordsUpgrade(t, s, key, version)
}
