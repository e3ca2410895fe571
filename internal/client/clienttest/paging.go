package clienttest

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/idp/terraform-provider-idp/internal/api"
	"github.com/idp/terraform-provider-idp/internal/client"
	"github.com/idp/terraform-provider-idp/internal/engine"
)

// testListingsPaged: every listing answers a page, and a request for more
// than the server gives at once (or for all) comes back whole; the
// quarantine gives the start of long texts and each text whole on request.
func testListingsPaged(t *testing.T, c client.Client) {
	const n = api.MaxPage + 50
	const bad = api.MaxQuarantinePage + 50
	must(c.PutPolicy(ctx, engine.Policy{Type: engine.PolicyLeakedCredentials, Enabled: true, RemediateRiskyUsers: true}))(t)
	var in strings.Builder
	for i := range n {
		fmt.Fprintf(&in, `{"id":"d%04d","userId":"u%04d","userPrincipalName":"u%04d@contoso.com","riskEventType":"leakedCredentials","riskLevel":"high","activityDateTime":"2025-06-01T00:00:00Z"}`+"\n", i, i, i)
	}
	long := `{"pad":"` + strings.Repeat("p", 200_000) + `"`
	for i := range bad {
		if i == bad/2 {
			in.WriteString(long + "\n")
			continue
		}
		fmt.Fprintf(&in, "bad %d\n", i)
	}
	sum := must(c.IngestDetections(ctx, strings.NewReader(in.String()), "paging"))(t)
	if sum.AlertsCreated != n || sum.UsersRemediated != n || sum.Quarantined != bad {
		t.Fatalf("summary %+v", sum)
	}

	if page := must(c.Alerts(ctx, engine.AlertQuery{Limit: 0}))(t); page.Total != n || len(page.Alerts) != n {
		t.Fatalf("all alerts: %d of total %d, want %d", len(page.Alerts), page.Total, n)
	}
	if page := must(c.Alerts(ctx, engine.AlertQuery{Limit: 10, Offset: n - 5}))(t); page.Total != n || len(page.Alerts) != 5 {
		t.Fatalf("the last alerts: %d of total %d, want 5", len(page.Alerts), page.Total)
	}
	users := must(c.Users(ctx, engine.Page{}))(t)
	if users.Total != n || len(users.Users) != n || users.Users[0].UserID != "u0000" || users.Users[n-1].UserID != fmt.Sprintf("u%04d", n-1) {
		t.Fatalf("all users: %d of total %d, want %d in order", len(users.Users), users.Total, n)
	}
	if users := must(c.Users(ctx, engine.Page{Limit: 5, Offset: n - 2}))(t); len(users.Users) != 2 || users.Users[1].UserID != fmt.Sprintf("u%04d", n-1) {
		t.Fatalf("the last users: %+v", users.Users)
	}
	if log := must(c.Remediations(ctx, engine.Page{Limit: n + 10}))(t); log.Total != n || len(log.Remediations) != n {
		t.Fatalf("the audit log: %d of total %d, want %d", len(log.Remediations), log.Total, n)
	}
	if log := must(c.Remediations(ctx, engine.Page{Limit: 3, Offset: 1}))(t); len(log.Remediations) != 3 {
		t.Fatalf("a page of three: %+v", log.Remediations)
	}

	q := must(c.Quarantine(ctx, engine.QuarantineQuery{RawLimit: 1000, Count: true}))(t)
	if q.Total != bad || len(q.Entries) != bad {
		t.Fatalf("quarantine: %d of total %d, want %d", len(q.Entries), q.Total, bad)
	}
	e := q.Entries[bad/2]
	if !e.RawTruncated || e.Raw != long[:1000] || e.Size != int64(len(long)) || q.Entries[0].Raw != "bad 0" || q.Entries[0].RawTruncated {
		t.Fatalf("the long entry is listed with %d bytes (truncated %v, size %d); want its first 1000 of %d", len(e.Raw), e.RawTruncated, e.Size, len(long))
	}
	var text bytes.Buffer
	ok(t, c.QuarantineText(ctx, e.ID, &text))
	if text.String() != long {
		t.Fatalf("the whole text came back with %d bytes, want %d", text.Len(), len(long))
	}
	if err := c.QuarantineText(ctx, e.ID+10_000, &text); !errors.Is(err, engine.ErrNotFound) {
		t.Fatalf("the text of no entry: %v, want not found", err)
	}
	next := must(c.Quarantine(ctx, engine.QuarantineQuery{After: q.Entries[bad-3].ID, Limit: 10}))(t)
	if len(next.Entries) != 2 || next.Entries[0].ID != q.Entries[bad-2].ID {
		t.Fatalf("the entries after the third to last: %+v", next.Entries)
	}
}
