package console_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/idp/terraform-provider-idp/internal/console"
	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/service"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
	"github.com/idp/terraform-provider-idp/internal/engine/store/postgres"
	"github.com/idp/terraform-provider-idp/internal/engine/store/postgres/pgtest"
	"github.com/idp/terraform-provider-idp/internal/engine/store/sqlite"
)

// BenchmarkOverview renders the overview page, signed in, through the
// console's handler, over a store of IDP_BENCH_ALERTS alerts (default
// 1,000,000) on SQLite and, when IDP_TEST_DATABASE_URL names a server, on
// PostgreSQL. It also renders the first page of the alert list, the page
// an analyst opens next.
//
// The store is filled through the store's own writes, Tx.PutAlerts and
// Tx.AddAlertCounts, with the counts computed by store.AlertCounts.Add,
// the function ingest computes them with: ingesting the detections that
// would raise a million alerts takes many times longer and would measure
// nothing more of the page (the service tests check that the counts ingest
// keeps agree with the alerts). Filling takes a minute or more.
func BenchmarkOverview(b *testing.B) {
	n := 1_000_000
	if s := os.Getenv("IDP_BENCH_ALERTS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n <= 0 {
			b.Fatalf("IDP_BENCH_ALERTS=%q is not a positive number", s)
		}
	}
	b.Run("sqlite", func(b *testing.B) {
		st, err := sqlite.Open(context.Background(), b.TempDir(), sqlite.Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		benchPages(b, st, n)
	})
	b.Run("postgres", func(b *testing.B) {
		if os.Getenv(pgtest.EnvURL) == "" && !pgtest.Required() {
			b.Skip("PostgreSQL: IDP_TEST_DATABASE_URL is not set")
		}
		st, err := postgres.Open(context.Background(), pgtest.URL(b), postgres.Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		benchPages(b, st, n)
	})
}

func benchPages(b *testing.B, st store.Store, n int) {
	start := time.Now()
	fillAlerts(b, st, n)
	b.Logf("filled %d alerts in %s", n, time.Since(start).Round(time.Second))
	svc := service.New(st, service.Config{})
	c, err := console.New(console.Config{Engine: svc, Auth: signIn})
	if err != nil {
		b.Fatal(err)
	}
	cookie := benchSignIn(b, c)
	for _, page := range []struct{ name, path, want string }{
		{"overview", "/", `id="open-count"`},
		{"overview-one-policy", "/?policy=risky_sign_in&days=90", `id="open-count"`},
		{"alerts-page", "/alerts", `id="alerts"`},
	} {
		b.Run(page.name, func(b *testing.B) {
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, page.path, nil)
				req.AddCookie(cookie)
				rec := httptest.NewRecorder()
				c.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), page.want) {
					b.Fatalf("GET %s: %d", page.path, rec.Code)
				}
			}
		})
	}
}

// fillAlerts writes n alerts: three policies, 20,000 users, first seen
// over 180 days, a quarter resolved, in transactions of 20,000.
func fillAlerts(b *testing.B, st store.Store, n int) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	now := time.Now().UTC()
	policies := []string{engine.PolicyLeakedCredentials, engine.PolicyRiskySignIn, "anonymous-ip-abroad"}
	const batch = 20_000
	for done := 0; done < n; done += batch {
		as := make([]engine.Alert, 0, min(batch, n-done))
		var counts store.AlertCounts
		for i := done; i < done+cap(as); i++ {
			policy := policies[rng.IntN(len(policies))]
			g := engine.DetectionGroup(policy, engine.KeyOf(strconv.Itoa(i)))
			user := rng.IntN(20_000)
			first := now.Add(-time.Duration(rng.Int64N(int64(180 * 24 * time.Hour))))
			status := engine.AlertOpen
			if rng.IntN(4) == 0 {
				status = engine.AlertResolved
			}
			a := engine.Alert{Group: g, ID: g.AlertID(), Policy: policy, Severity: engine.SeverityOfRank(1 + rng.IntN(3)), Status: status,
				UserID: fmt.Sprintf("user-%05d", user), UserPrincipalName: fmt.Sprintf("u%05d@contoso.example", user),
				UserDisplayName: fmt.Sprintf("User %d", user), DetectionCount: 1 + rng.IntN(5), RiskEventTypes: []string{"unfamiliarFeatures"},
				FirstSeen: first, LastSeen: first.Add(time.Hour), CreatedAt: now, UpdatedAt: now}
			counts.Add(a, 1)
			as = append(as, a)
		}
		err := st.Update(ctx, func(tx store.Tx) error {
			if err := tx.PutAlerts(ctx, as); err != nil {
				return err
			}
			return tx.AddAlertCounts(ctx, counts)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// benchSignIn signs in through the console's form and returns the
// session's cookie.
func benchSignIn(b *testing.B, c *console.Console) *http.Cookie {
	rec := httptest.NewRecorder()
	c.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/signin", nil))
	m := csrfField.FindStringSubmatch(rec.Body.String())
	if m == nil {
		b.Fatal("no sign-in form")
	}
	form := url.Values{"csrf": {m[1]}, "token": {readToken}}
	req := httptest.NewRequest(http.MethodPost, "/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, ck := range cookiesOf(rec) {
		req.AddCookie(ck)
	}
	rec = httptest.NewRecorder()
	c.ServeHTTP(rec, req)
	for _, ck := range cookiesOf(rec) {
		if ck.Name == "idp_session" {
			return ck
		}
	}
	b.Fatalf("sign-in failed: %d", rec.Code)
	return nil
}

func cookiesOf(rec *httptest.ResponseRecorder) []*http.Cookie {
	res := rec.Result()
	defer res.Body.Close()
	return res.Cookies()
}
