package postgres_test

import (
	"context"
	"testing"

	"github.com/idp/terraform-provider-idp/internal/engine/store/alertfixture"
	"github.com/idp/terraform-provider-idp/internal/engine/store/postgres"
)

// BenchmarkQueryAlerts is the SQLite benchmark of the same name on
// PostgreSQL, over a kept database of the fixture on the server of
// IDP_TEST_DATABASE_URL.
func BenchmarkQueryAlerts(b *testing.B) {
	url, f := alertfixture.Postgres(b, alertfixture.Size(b))
	st, err := postgres.Open(context.Background(), url, postgres.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	alertfixture.BenchQueries(b, st, f)
}
