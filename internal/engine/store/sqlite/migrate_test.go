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
)

// A store written before migration 4 holds alerts but no counts: opening
// it must count them, or the overview would show an empty engine.
func TestMigrationCountsExistingAlerts(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sql.Open("sqlite", dsn(filepath.Join(dir, FileName), 8, true))
	if err != nil {
		t.Fatal(err)
	}
	// The store as an engine before migration 4 (the counts) left it.
	if err := migrateTo(ctx, db, 3); err != nil {
		t.Fatal(err)
	}
	first := time.Date(2025, 6, 1, 3, 0, 0, 0, time.UTC)
	alerts := []engine.Alert{
		{Group: engine.DetectionGroup("p", engine.KeyOf("1")), ID: "1", Policy: "p", Severity: engine.SeverityHigh, Status: engine.AlertOpen,
			UserID: "u1", UserPrincipalName: "ann@x", FirstSeen: first, LastSeen: first, UpdatedAt: first},
		{Group: engine.DetectionGroup("p", engine.KeyOf("2")), ID: "2", Policy: "p", Severity: engine.SeverityLow, Status: engine.AlertResolved,
			UserID: "u1", UserPrincipalName: "ann@x", FirstSeen: first, LastSeen: first, UpdatedAt: first},
	}
	// Written as that engine wrote them: today's PutAlerts also keeps a
	// table of a later migration.
	for _, a := range alerts {
		exec(t, db, `INSERT INTO alerts (`+alertColumns+`, upn_folded) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.Group[:], a.ID, a.Policy, a.Severity.Rank(), string(a.Status), a.UserPrincipalName, a.FirstSeen.UnixNano(),
			a.LastSeen.UnixNano(), a.UpdatedAt.UnixNano(), codec.EncodeAlertPayload(a), engine.FoldUserPrincipalName(a.UserPrincipalName))
	}
	db.Close()

	s, err := Open(ctx, dir, Options{})
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
