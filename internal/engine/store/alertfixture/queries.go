package alertfixture

import (
	"context"
	"testing"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

// Query is one of the alert queries of issue 12's target table.
type Query struct {
	Name string
	Q    engine.AlertQuery
}

// Queries are the reads the benchmarks time, each a first page of 100:
// the largest policy from medium severity up (about a third of all
// alerts match), one of the users with the most alerts (asked in another
// case than stored), and one week two months back.
func Queries(f Fixture) []Query {
	return []Query{
		{"policy-min-severity", engine.AlertQuery{Policy: engine.PolicyRiskySignIn, MinSeverity: engine.SeverityMedium, Limit: 100}},
		{"one-user", engine.AlertQuery{UserPrincipalName: "user00042@contoso.EXAMPLE", Limit: 100}},
		{"since-until", engine.AlertQuery{Since: f.Now.Add(-67 * 24 * time.Hour), Until: f.Now.Add(-60 * 24 * time.Hour), Limit: 100}},
	}
}

// BenchQueries times each query through Reader.QueryAlerts in a read
// transaction, as the service reads, with retention at the fixture's time.
// An empty answer, or a page shorter than the limit while more matched,
// fails: it would mean the fixture or the query is not what the figures
// claim.
func BenchQueries(b *testing.B, st store.Store, f Fixture) {
	ctx := context.Background()
	for _, q := range Queries(f) {
		b.Run(q.Name, func(b *testing.B) {
			var page engine.AlertPage
			for b.Loop() {
				err := st.View(ctx, func(r store.Reader) error {
					var err error
					page, err = r.QueryAlerts(ctx, q.Q, f.NotBefore())
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			if page.Total == 0 || len(page.Alerts) != min(q.Q.Limit, page.Total) {
				b.Fatalf("%s: %d alerts of %d", q.Name, len(page.Alerts), page.Total)
			}
			b.ReportMetric(float64(page.Total), "total")
		})
	}
}
