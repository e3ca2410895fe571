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

// An existing store migrates in place to tables whose rows are appended
// (migration 0008): what a schema-7 store holds, written by the store's own
// writes, reads back the same by key, group, user and id, and writes go on
// as before, newer copies replacing and older ones ignored.
func TestUpgradeAppendsRows(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	when := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	k1, k2 := engine.KeyOf("d1"), engine.KeyOf("d2")
	g := engine.WindowGroup(engine.PolicyRiskySignIn, "u1", when, 24*time.Hour)
	m := engine.Member{Group: g, Detection: k1, ActivityTime: when, Severity: engine.SeverityHigh, Open: true,
		RiskEventType: "unfamiliarFeatures", UserID: "u1", UserPrincipalName: "u1@example.com", City: "Zürich"}
	a := engine.Alert{Group: g, ID: "alert-1", Policy: engine.PolicyRiskySignIn, Severity: engine.SeverityHigh, Status: engine.AlertOpen,
		UserID: "u1", UserPrincipalName: "U1@Example.com", UserDisplayName: "Ünïcode", DetectionCount: 2,
		RiskEventTypes: []string{"unfamiliarFeatures"}, FirstSeen: when, LastSeen: when.Add(time.Hour), CreatedAt: when, UpdatedAt: when.Add(time.Hour)}
	openAt(t, dir, 7, func(db *sql.DB) {
		sqlTx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		w := &tx{q: sqlTx, stmts: map[string]*sql.Stmt{}}
		if _, err := w.UpsertDetections(ctx, []store.StoredDetection{
			{Key: k1, Version: when, Groups: []engine.GroupKey{g}, Record: store.RecordRef{Block: 1, Index: 2}},
			{Key: k2, Version: when.Add(time.Second), Groups: []engine.GroupKey{g}},
		}); err != nil {
			t.Fatal(err)
		}
		if err := w.PutMembers(ctx, []store.MemberRow{{Group: g, Detection: k1, Payload: store.PackMember(m)}}); err != nil {
			t.Fatal(err)
		}
		if err := w.PutAlerts(ctx, []engine.Alert{a}); err != nil {
			t.Fatal(err)
		}
		w.close()
		if err := sqlTx.Commit(); err != nil {
			t.Fatal(err)
		}
	})
	s, err := Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var clustered int
	if err := s.writer.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name IN ('detections', 'members', 'alerts') AND sql LIKE '%WITHOUT ROWID%'`).
		Scan(&clustered); err != nil || clustered != 0 {
		t.Fatalf("%d of the three tables are still clustered on their keys (%v)", clustered, err)
	}
	// The rebuild sorted on temporary files; the writer's connection must
	// be back on memory for the queries that follow.
	var tempStore int
	if err := s.writer.QueryRow(`PRAGMA temp_store`).Scan(&tempStore); err != nil || tempStore != 2 {
		t.Fatalf("the writer's temp_store after migrating is %d, want 2 (memory) (%v)", tempStore, err)
	}

	checkAlert := func(r store.Reader, wantCount int) {
		t.Helper()
		alerts, err := r.Alerts(ctx, []engine.GroupKey{g})
		if err != nil || alerts[g].ID != a.ID || alerts[g].DetectionCount != wantCount || alerts[g].UserDisplayName != a.UserDisplayName ||
			!alerts[g].LastSeen.Equal(a.LastSeen) {
			t.Fatalf("the alert by group: %+v, %v", alerts[g], err)
		}
		page, err := r.QueryAlerts(ctx, engine.AlertQuery{UserPrincipalName: "u1@EXAMPLE.com", Policy: engine.PolicyRiskySignIn, Limit: 10}, time.Time{})
		if err != nil || page.Total != 1 || len(page.Alerts) != 1 || page.Alerts[0].ID != a.ID || page.Alerts[0].DetectionCount != wantCount {
			t.Fatalf("the alert by user and policy: %+v, %v", page, err)
		}
		if got, found, err := r.AlertByID(ctx, a.ID); err != nil || !found || got.Group != g {
			t.Fatalf("the alert by id: %+v, %v, %v", got, found, err)
		}
	}
	err = s.View(ctx, func(r store.Reader) error {
		ds, err := r.Detections(ctx, []engine.DetectionKey{k1, k2})
		if err != nil {
			return err
		}
		if d := ds[k1]; !d.Version.Equal(when) || len(d.Groups) != 1 || d.Groups[0] != g || d.Record != (store.RecordRef{Block: 1, Index: 2}) {
			t.Fatalf("detection 1 after the upgrade: %+v", d)
		}
		if d := ds[k2]; !d.Version.Equal(when.Add(time.Second)) || len(d.Groups) != 1 {
			t.Fatalf("detection 2 after the upgrade: %+v", d)
		}
		ms, err := r.Members(ctx, []engine.GroupKey{g})
		if err != nil {
			return err
		}
		if len(ms[g]) != 1 || ms[g][0].Detection != k1 || ms[g][0].City != m.City || !ms[g][0].ActivityTime.Equal(when) {
			t.Fatalf("members after the upgrade: %+v", ms[g])
		}
		checkAlert(r, 2)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	a.DetectionCount = 3
	err = s.Update(ctx, func(tx store.Tx) error {
		written, err := tx.UpsertDetections(ctx, []store.StoredDetection{
			{Key: k1, Version: when.Add(time.Minute)}, // newer: replaces
			{Key: k2, Version: when},                  // older: ignored
		})
		if err != nil {
			return err
		}
		if len(written) != 1 || written[k1] == nil || !written[k1].Version.Equal(when) || len(written[k1].Groups) != 1 {
			t.Fatalf("upserts after the upgrade wrote %+v", written)
		}
		if err := tx.PutMembers(ctx, []store.MemberRow{{Group: g, Detection: k1, Payload: store.PackMember(m)}}); err != nil {
			return err
		}
		return tx.PutAlerts(ctx, []engine.Alert{a})
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.View(ctx, func(r store.Reader) error {
		ms, err := r.Members(ctx, []engine.GroupKey{g})
		if err == nil && len(ms[g]) != 1 {
			t.Fatalf("a member written again is there %d times", len(ms[g]))
		}
		checkAlert(r, 3)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
