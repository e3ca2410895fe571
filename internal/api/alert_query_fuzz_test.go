package api_test

import (
	"errors"
	"net/url"
	"testing"

	"github.com/idp/terraform-provider-idp/internal/api"
	"github.com/idp/terraform-provider-idp/internal/engine"
)

// FuzzParseAlertQuery feeds GET /v1/alerts any query string: the parser
// never panics, refuses with engine.ErrInvalid (a 400), and what it
// accepts is within bounds (times the engine stores exactly, a page no
// larger than MaxPage) and comes back the same through AlertQueryValues,
// which the remote client sends. The seeds run in every `go test`.
func FuzzParseAlertQuery(f *testing.F) {
	for _, seed := range []string{
		"",
		"since=2025-06-01T00:00:00Z&until=2025-06-02T00:00:00.123456789Z&limit=5&offset=10",
		"since=2025-06-01T02:00:00%2B02:00",
		"policy=leaked_credentials&min_severity=medium&status=open&user_principal_name=%C3%85sa%40contoso.com",
		"since=9999-12-31T23:59:59Z",
		"until=0001-01-01T00:00:00Z",
		"since=1677-09-21T00:12:43.145224191Z",
		"until=2262-04-11T23:47:16.854775808Z",
		"since=2261-12-31T23:59:59.999999999Z&until=1678-01-01T00:00:00Z",
		"limit=1000", "limit=1001", "limit=-1", "limit=0", "offset=-5",
		"offset=99999999999999999999", "limit=1e3", "limit= 5",
		"policy=a&policy=b", "min_severity=critical", "status=closed", "bogus=1",
		"since=2025-13-01T00:00:00Z", "since=yesterday", "%zz",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := api.ParseAlertQuery(v)
		if err != nil {
			if !errors.Is(err, engine.ErrInvalid) {
				t.Fatalf("%q: error %v does not wrap ErrInvalid", raw, err)
			}
			return
		}
		if q.Limit < 0 || q.Limit > api.MaxPage || q.Offset < 0 {
			t.Fatalf("%q: accepted limit %d, offset %d", raw, q.Limit, q.Offset)
		}
		for _, bound := range []struct {
			name string
			set  bool
			ok   bool
		}{{"since", !q.Since.IsZero(), engine.InTimeRange(q.Since)}, {"until", !q.Until.IsZero(), engine.InTimeRange(q.Until)}} {
			if bound.set && !bound.ok {
				t.Fatalf("%q: accepted %s outside the times the engine stores: %+v", raw, bound.name, q)
			}
		}
		back, err := api.ParseAlertQuery(api.AlertQueryValues(q))
		if err != nil {
			t.Fatalf("%q: what the client sends for %+v is refused: %v", raw, q, err)
		}
		if back.Policy != q.Policy || back.MinSeverity != q.MinSeverity || back.Status != q.Status || back.UserPrincipalName != q.UserPrincipalName ||
			!back.Since.Equal(q.Since) || !back.Until.Equal(q.Until) || back.Limit != q.Limit || back.Offset != q.Offset {
			t.Fatalf("%q: %+v came back as %+v", raw, q, back)
		}
	})
}
