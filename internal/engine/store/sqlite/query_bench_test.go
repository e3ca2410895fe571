package sqlite_test

import (
	"context"
	"testing"

	"github.com/idp/terraform-provider-idp/internal/engine/store/alertfixture"
	"github.com/idp/terraform-provider-idp/internal/engine/store/sqlite"
)

// BenchmarkQueryAlerts times issue 12's alert queries over the kept
// fixture of IDP_BENCH_ALERTS alerts (default 1,000,000; alertfixture
// says where it is kept and how it is built).
func BenchmarkQueryAlerts(b *testing.B) {
	dir, f := alertfixture.SQLite(b, alertfixture.Size(b))
	st, err := sqlite.Open(context.Background(), dir, sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	alertfixture.BenchQueries(b, st, f)
}
