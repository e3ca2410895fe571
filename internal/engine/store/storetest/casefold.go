package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

// testQueryAlertsFoldsCase: the user filter ignores case in every script,
// the same way on every backend (SQLite's NOCASE and lower() fold ASCII
// only; PostgreSQL's lower() depends on the collation).
func testQueryAlertsFoldsCase(t *testing.T, s store.Store) {
	h := time.Hour
	update(t, s, func(tx store.Tx) error {
		return tx.PutAlerts(ctx, []engine.Alert{
			alert("u1", engine.PolicyRiskySignIn, engine.SeverityHigh, engine.AlertOpen, "Åsa@Contoso.com", 0, 1*h, 10*h),
			alert("u2", engine.PolicyRiskySignIn, engine.SeverityHigh, engine.AlertOpen, "asa@contoso.com", 0, 2*h, 10*h),
			alert("u3", engine.PolicyRiskySignIn, engine.SeverityHigh, engine.AlertOpen, "Straße@contoso.com", 0, 3*h, 10*h),
			alert("u4", engine.PolicyRiskySignIn, engine.SeverityHigh, engine.AlertOpen, "ΣΟΦΊΑ@contoso.com", 0, 4*h, 10*h),
		})
	})
	cases := []struct{ user, want string }{
		{"åsa@contoso.com", "u1"},
		{"ÅSA@CONTOSO.COM", "u1"},
		{"A\u030asa@contoso.com", "u1"}, // Å written as A and a combining ring
		{"ASA@contoso.com", "u2"},
		{"STRASSE@contoso.com", "u3"},
		{"σοφία@contoso.com", "u4"},
		{"sofia@contoso.com", ""},
	}
	for _, tc := range cases {
		view(t, s, func(r store.Reader) error {
			page, err := r.QueryAlerts(ctx, engine.AlertQuery{UserPrincipalName: tc.user}, time.Time{})
			if err != nil {
				return err
			}
			var ids []string
			for _, a := range page.Alerts {
				ids = append(ids, a.ID)
			}
			if got := strings.Join(ids, ","); got != tc.want || page.Total != len(ids) {
				t.Errorf("user %q matched %q (total %d), want %q", tc.user, got, page.Total, tc.want)
			}
			return nil
		})
	}
}
