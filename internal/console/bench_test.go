package console_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/idp/terraform-provider-idp/internal/console"
	"github.com/idp/terraform-provider-idp/internal/engine/service"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
	"github.com/idp/terraform-provider-idp/internal/engine/store/alertfixture"
	"github.com/idp/terraform-provider-idp/internal/engine/store/postgres"
	"github.com/idp/terraform-provider-idp/internal/engine/store/sqlite"
)

// BenchmarkOverview renders the overview page, signed in, through the
// console's handler, over the kept fixture of IDP_BENCH_ALERTS alerts
// (default 1,000,000; alertfixture says where it is kept and how it is
// built) on SQLite and, when IDP_TEST_DATABASE_URL names a server, on
// PostgreSQL. It also renders the first page of the alert list, the page
// an analyst opens next.
func BenchmarkOverview(b *testing.B) {
	n := alertfixture.Size(b)
	b.Run("sqlite", func(b *testing.B) {
		dir, f := alertfixture.SQLite(b, n)
		st, err := sqlite.Open(context.Background(), dir, sqlite.Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		benchPages(b, st, f)
	})
	b.Run("postgres", func(b *testing.B) {
		url, f := alertfixture.Postgres(b, n)
		st, err := postgres.Open(context.Background(), url, postgres.Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		benchPages(b, st, f)
	})
}

// fixtureClock stops the engine's clock at the fixture's time, so that
// retention and the overview's days read the fixture as it was built
// however long it has been kept, as the store's query benchmarks do.
type fixtureClock time.Time

func (c fixtureClock) Now() time.Time { return time.Time(c) }

func benchPages(b *testing.B, st store.Store, f alertfixture.Fixture) {
	svc := service.New(st, service.Config{Clock: fixtureClock(f.Now)})
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
