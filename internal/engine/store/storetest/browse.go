package storetest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

// The tests of store.Browser and of the running alert counts.

func counts(changes ...func(c *store.AlertCounts)) store.AlertCounts {
	var c store.AlertCounts
	for _, ch := range changes {
		ch(&c)
	}
	return c
}

func testAlertCounts(t *testing.T, s store.Store) {
	h := time.Hour
	a1 := alert("c1", "p1", engine.SeverityHigh, engine.AlertOpen, "ann@x", 0, h, h)
	a2 := alert("c2", "p1", engine.SeverityLow, engine.AlertOpen, "ann@x", 0, h, h)
	a3 := alert("c3", "p2", engine.SeverityMedium, engine.AlertResolved, "bob@x", 48*h, 49*h, h)
	a4 := alert("c4", "p2", engine.SeverityMedium, engine.AlertOpen, "cy@x", -24*h, 0, h)
	update(t, s, func(tx store.Tx) error {
		return tx.AddAlertCounts(ctx, counts(func(c *store.AlertCounts) {
			for _, a := range []engine.Alert{a1, a2, a3, a4} {
				c.Add(a, 1)
			}
		}))
	})
	// An update moves a2 from open low to resolved low, under a new name.
	a2b := a2
	a2b.Status, a2b.UserPrincipalName, a2b.UserDisplayName = engine.AlertResolved, "ann.new@x", "Ann New"
	update(t, s, func(tx store.Tx) error {
		return tx.AddAlertCounts(ctx, counts(func(c *store.AlertCounts) { c.Add(a2, -1); c.Add(a2b, 1) }))
	})
	// Taking an alert out keeps the names (the change carries none).
	update(t, s, func(tx store.Tx) error {
		return tx.AddAlertCounts(ctx, counts(func(c *store.AlertCounts) { c.Add(a4, -1) }))
	})
	d0 := store.DayOf(at(0))
	view(t, s, func(r store.Reader) error {
		totals, err := r.AlertTotals(ctx)
		if err != nil {
			return err
		}
		var got []string
		for _, p := range totals {
			got = append(got, fmt.Sprintf("%s/%s=%d", p.Policy, p.Status, p.N))
		}
		if want := "p1/open=1,p1/resolved=1,p2/open=0,p2/resolved=1"; strings.Join(got, ",") != want {
			t.Fatalf("totals = %v, want %s", got, want)
		}
		days, err := r.AlertDays(ctx, "", d0-1, d0+2)
		if err != nil {
			return err
		}
		got = got[:0]
		for _, d := range days {
			got = append(got, fmt.Sprintf("%d/%s=%d", d.Day-d0, d.Severity, d.N))
		}
		if want := "-1/medium=0,0/low=1,0/high=1,2/medium=1"; strings.Join(got, ",") != want {
			t.Fatalf("days = %v, want %s", got, want)
		}
		days, err = r.AlertDays(ctx, "p2", d0, d0+1)
		if err != nil || len(days) != 0 {
			t.Fatalf("p2 on days 0-1 = %v, %v; want nothing", days, err)
		}
		last, found, err := r.LastAlertDay(ctx, "")
		if err != nil || !found || last != d0+2 {
			t.Fatalf("last day = %d, %v, %v; want day %d", last-d0, found, err, 2)
		}
		last, found, err = r.LastAlertDay(ctx, "p1")
		if err != nil || !found || last != d0 {
			t.Fatalf("last day of p1 = %d, %v, %v; want day 0", last-d0, found, err)
		}
		if _, found, err = r.LastAlertDay(ctx, "none"); err != nil || found {
			t.Fatalf("a policy without alerts has a last day (%v, %v)", found, err)
		}
		top, err := r.TopAlertUsers(ctx, 10)
		if err != nil {
			return err
		}
		if len(top) != 1 || top[0].UserID != "id-ann@x" || top[0].Open != [4]int64{0, 0, 0, 1} || top[0].Resolved != 1 ||
			top[0].UserPrincipalName != "ann.new@x" || top[0].UserDisplayName != "Ann New" {
			t.Fatalf("top users = %+v, want ann alone (bob has no open alert, cy's was taken out), under her new name", top)
		}
		cy, found, err := r.AlertUser(ctx, "id-cy@x")
		if err != nil || !found || cy.OpenTotal() != 0 || cy.UserPrincipalName != "cy@x" {
			t.Fatalf("cy = %+v, %v, %v; want no open alert and her name kept", cy, found, err)
		}
		if _, found, err := r.AlertUser(ctx, "nobody"); err != nil || found {
			t.Fatalf("an unknown user was found (%v, %v)", found, err)
		}
		return nil
	})
}

func testTopAlertUsersOrder(t *testing.T, s store.Store) {
	// Open high first, then medium, then low, then user id.
	users := map[string][3]int{"u1": {0, 5, 9}, "u2": {1, 0, 0}, "u3": {1, 2, 0}, "u4": {0, 5, 0}, "u5": {1, 2, 0}}
	update(t, s, func(tx store.Tx) error {
		return tx.AddAlertCounts(ctx, counts(func(c *store.AlertCounts) {
			for u, n := range users {
				for sev, k := range n {
					for i := 0; i < k; i++ {
						a := alert(fmt.Sprint(u, sev, i), "p", engine.SeverityOfRank(3-sev), engine.AlertOpen, u, 0, 0, 0)
						c.Add(a, 1)
					}
				}
			}
		}))
	})
	view(t, s, func(r store.Reader) error {
		top, err := r.TopAlertUsers(ctx, 4)
		if err != nil {
			return err
		}
		var got []string
		for _, u := range top {
			got = append(got, u.UserPrincipalName)
		}
		if want := "u3,u5,u2,u1"; strings.Join(got, ",") != want {
			t.Fatalf("top users = %v, want %s", got, want)
		}
		return nil
	})
}

func testPurgeCounts(t *testing.T, s store.Store) {
	old1 := alert("p-old1", "p", engine.SeverityHigh, engine.AlertOpen, "ann@x", 0, 0, 0)
	old2 := alert("p-old2", "p", engine.SeverityLow, engine.AlertResolved, "bob@x", 0, 0, 0)
	fresh := alert("p-new", "p", engine.SeverityHigh, engine.AlertOpen, "ann@x", 0, 0, 2*time.Hour)
	update(t, s, func(tx store.Tx) error { return tx.PutAlerts(ctx, []engine.Alert{old1, old2, fresh}) })
	want := counts(func(c *store.AlertCounts) { c.Add(old1, 1); c.Add(old2, 1) })
	view(t, s, func(r store.Reader) error {
		got, err := r.ExpiredAlertCounts(ctx, at(time.Hour))
		if err == nil && !sameCounts(got, want) {
			t.Fatalf("expired = %s, want %s", describe(got), describe(want))
		}
		return err
	})
	var purged store.AlertCounts
	update(t, s, func(tx store.Tx) error {
		n, err := tx.PurgeAlerts(ctx, at(time.Hour), &purged)
		if err == nil && n != 2 {
			t.Fatalf("purged %d alerts, want 2", n)
		}
		return err
	})
	if !sameCounts(purged, want) {
		t.Fatalf("purge counted %s, want %s", describe(purged), describe(want))
	}
	view(t, s, func(r store.Reader) error {
		got, err := r.ExpiredAlertCounts(ctx, at(time.Hour))
		if err == nil && len(got.Days) != 0 {
			t.Fatalf("expired after the purge = %s, want nothing", describe(got))
		}
		return err
	})
}

func sameCounts(a, b store.AlertCounts) bool { return describe(a) == describe(b) }

// describe prints the counts that are not zero, in key order.
func describe(c store.AlertCounts) string {
	var b strings.Builder
	for _, d := range store.SortedDays(c) {
		fmt.Fprintf(&b, "%s/%d/%s/%s=%d ", d.Key.Policy, d.Key.Day, d.Key.Severity, d.Key.Status, d.N)
	}
	for _, u := range store.SortedUsers(c) {
		fmt.Fprintf(&b, "%s:%v/%d ", u.UserID, u.Open, u.Resolved)
	}
	return b.String()
}

func testAlertByID(t *testing.T, s store.Store) {
	a := alert("by-id", engine.PolicyRiskySignIn, engine.SeverityHigh, engine.AlertOpen, "x@example.com", 0, time.Hour, 2*time.Hour)
	update(t, s, func(tx store.Tx) error {
		return tx.PutAlerts(ctx, []engine.Alert{a, alert("other", "p", engine.SeverityLow, engine.AlertOpen, "y", 0, 0, 0)})
	})
	view(t, s, func(r store.Reader) error {
		got, found, err := r.AlertByID(ctx, "by-id")
		if err != nil || !found || !sameAlert(got, a) {
			t.Fatalf("AlertByID = %+v, %v, %v; want %+v", got, found, err, a)
		}
		if _, found, err := r.AlertByID(ctx, "absent"); err != nil || found {
			t.Fatalf("an absent id was found (%v, %v)", found, err)
		}
		return nil
	})
}

func testRemediationPage(t *testing.T, s store.Store) {
	var log []engine.Remediation
	for i := 0; i < 7; i++ {
		log = append(log, engine.Remediation{Time: at(time.Duration(i) * time.Second), UserID: fmt.Sprintf("u%d", i%3),
			AlertID: fmt.Sprintf("a%d", i%2), Policy: "p", Actions: []string{"require_mfa"}, Outcome: "applied"})
	}
	update(t, s, func(tx store.Tx) error { return tx.AppendRemediations(ctx, log[:4]) })
	update(t, s, func(tx store.Tx) error { return tx.AppendRemediations(ctx, log[4:]) })
	cases := []struct {
		q     engine.AuditLogQuery
		want  string
		total int
	}{
		{engine.AuditLogQuery{Limit: 3}, "6,5,4", 7},
		{engine.AuditLogQuery{Limit: 3, Offset: 5}, "1,0", 7},
		{engine.AuditLogQuery{UserID: "u1", Limit: 10}, "4,1", 2},
		{engine.AuditLogQuery{AlertID: "a0", Limit: 2, Offset: 1}, "4,2", 4},
		{engine.AuditLogQuery{UserID: "u0", AlertID: "a1", Limit: 10}, "3", 1},
		{engine.AuditLogQuery{UserID: "u1"}, "", 2},
	}
	view(t, s, func(r store.Reader) error {
		for _, tc := range cases {
			page, err := r.AuditLog(ctx, tc.q)
			if err != nil {
				return err
			}
			var got []string
			for _, e := range page.Entries {
				got = append(got, fmt.Sprint(int64(e.Time.Sub(at(0))/time.Second)))
			}
			if strings.Join(got, ",") != tc.want || page.Total != tc.total || page.Entries == nil {
				t.Fatalf("%+v: got %v total %d, want %s total %d", tc.q, got, page.Total, tc.want, tc.total)
			}
		}
		page, err := r.AuditLog(ctx, engine.AuditLogQuery{Limit: 1})
		if err == nil && (page.Entries[0].UserID != "u0" || page.Entries[0].Actions[0] != "require_mfa" || !page.Entries[0].Time.Equal(at(6*time.Second))) {
			t.Fatalf("newest entry = %+v", page.Entries[0])
		}
		return err
	})
}

func testUserRisksByRecency(t *testing.T, s store.Store) {
	var us []engine.UserRisk
	for i := 0; i < 5; i++ {
		us = append(us, engine.UserRisk{UserID: fmt.Sprintf("u%d", i), UserPrincipalName: fmt.Sprintf("u%d@x", i),
			RiskLevel: "high", RiskState: "confirmedCompromised", RemediatedAt: at(time.Duration(i%3) * time.Minute)})
	}
	update(t, s, func(tx store.Tx) error { return tx.PutUserRisks(ctx, us) })
	view(t, s, func(r store.Reader) error {
		var got []string
		for _, page := range [][2]int{{0, 2}, {2, 2}, {4, 2}} {
			rs, total, err := r.UserRisksByRecency(ctx, page[0], page[1])
			if err != nil {
				return err
			}
			if total != 5 {
				t.Fatalf("total = %d, want 5", total)
			}
			for _, u := range rs {
				got = append(got, u.UserID)
			}
		}
		// Latest remediated first (u2 at 2m; u1, u4 at 1m; u0, u3 at 0),
		// ties by user id, newest first too.
		if want := "u2,u4,u1,u3,u0"; strings.Join(got, ",") != want {
			t.Fatalf("pages = %v, want %s", got, want)
		}
		rs, total, err := r.UserRisksByRecency(ctx, 0, 0)
		if err == nil && (len(rs) != 0 || total != 5) {
			t.Fatalf("limit 0: %d users, total %d; want none, total 5", len(rs), total)
		}
		return err
	})
}
