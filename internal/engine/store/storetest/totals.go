package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

// testQueryAlertTotals: a query's total is the number of alerts that
// match it under retention, however the store finds it (a store may sum
// its running counts where the filter allows, and count what retention
// hides but has not purged). The alerts are written with their counts,
// as the engine writes them, then some are replaced and deleted; every
// total is checked against a count of the alerts themselves.
func testQueryAlertTotals(t *testing.T, s store.Store) {
	h := time.Hour
	policies := []string{engine.PolicyRiskySignIn, engine.PolicyLeakedCredentials, "custom-one"}
	severities := []engine.Severity{engine.SeverityLow, engine.SeverityMedium, engine.SeverityHigh, ""}
	users := []string{"Ann@Example.com", "bob@example.com", "cy@example.com"}
	var all []engine.Alert
	for i := range 60 {
		status := engine.AlertOpen
		if i%3 == 0 {
			status = engine.AlertResolved
		}
		first := time.Duration(i%7) * 20 * h
		// Every fifth alert was last updated before the retention bound
		// below, and is not purged yet.
		updated := 100 * h
		if i%5 == 0 {
			updated = 2 * h
		}
		all = append(all, alert(fmt.Sprintf("t%02d", i), policies[i%len(policies)], severities[i%len(severities)], status,
			users[i%len(users)], first, first+time.Duration(i%4)*h, updated))
	}
	putCounted(t, s, all)
	// A change moves alerts between statuses and severities; a delete
	// takes some out.
	update(t, s, func(tx store.Tx) error {
		var c store.AlertCounts
		var put []engine.Alert
		for i := 0; i < len(all); i += 4 {
			a := all[i]
			c.Add(a, -1)
			a.Status, a.Severity = engine.AlertOpen, engine.SeverityHigh
			c.Add(a, 1)
			all[i] = a
			put = append(put, a)
		}
		var gone []engine.GroupKey
		for i := 1; i < len(all); i += 9 {
			c.Add(all[i], -1)
			gone = append(gone, all[i].Group)
		}
		if err := tx.PutAlerts(ctx, put); err != nil {
			return err
		}
		if err := tx.DeleteAlerts(ctx, gone); err != nil {
			return err
		}
		kept := all[:0]
		for i, a := range all {
			if i%9 != 1 {
				kept = append(kept, a)
			}
		}
		all = kept
		return tx.AddAlertCounts(ctx, c)
	})
	notBefore := at(50 * h)
	var queries []engine.AlertQuery
	for _, p := range append(policies, "", "none") {
		for _, sev := range []engine.Severity{"", engine.SeverityLow, engine.SeverityMedium, engine.SeverityHigh} {
			for _, st := range []engine.AlertStatus{"", engine.AlertOpen, engine.AlertResolved} {
				queries = append(queries, engine.AlertQuery{Policy: p, MinSeverity: sev, Status: st, Limit: 2})
			}
		}
	}
	queries = append(queries,
		engine.AlertQuery{UserPrincipalName: "ann@example.com", Limit: 1},
		engine.AlertQuery{UserPrincipalName: "ann@example.com", Policy: engine.PolicyRiskySignIn, MinSeverity: engine.SeverityHigh},
		engine.AlertQuery{Since: at(40 * h), Limit: 3},
		engine.AlertQuery{Since: at(21 * h), Until: at(61 * h), Limit: 3},
		engine.AlertQuery{Until: at(30 * h), Status: engine.AlertOpen},
		engine.AlertQuery{Since: at(20 * h), Until: at(100 * h), Policy: "custom-one", MinSeverity: engine.SeverityMedium, Offset: 2},
	)
	view(t, s, func(r store.Reader) error {
		for _, q := range queries {
			page, err := r.QueryAlerts(ctx, q, notBefore)
			if err != nil {
				return err
			}
			if want := matching(all, q, notBefore); page.Total != want {
				t.Errorf("%+v: total %d, want %d", q, page.Total, want)
			}
		}
		return nil
	})
}

// matching counts the alerts a query matches, as the contract says.
func matching(as []engine.Alert, q engine.AlertQuery, notBefore time.Time) int {
	n := 0
	for _, a := range as {
		if a.UpdatedAt.Before(notBefore) ||
			(q.Policy != "" && a.Policy != q.Policy) ||
			(q.MinSeverity != "" && a.Severity.Rank() < q.MinSeverity.Rank()) ||
			(q.Status != "" && a.Status != q.Status) ||
			(q.UserPrincipalName != "" && engine.FoldUserPrincipalName(a.UserPrincipalName) != engine.FoldUserPrincipalName(q.UserPrincipalName)) ||
			(!q.Since.IsZero() && a.LastSeen.Before(q.Since)) ||
			(!q.Until.IsZero() && !a.FirstSeen.Before(q.Until)) {
			continue
		}
		n++
	}
	return n
}
