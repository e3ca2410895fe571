package storetest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

// testUserRiskPage: users page in byte order of user principal name, then
// user id, whatever the database's collation.
func testUserRiskPage(t *testing.T, s store.Store) {
	var us []engine.UserRisk
	for i, upn := range []string{"b@x", "B@x", "a@x", "é@x", "_@x", "a@x"} {
		us = append(us, engine.UserRisk{UserID: fmt.Sprintf("u%d", i), UserPrincipalName: upn, RiskLevel: "high",
			RiskState: "confirmedCompromised", RemediatedAt: at(time.Duration(i) * time.Minute)})
	}
	update(t, s, func(tx store.Tx) error { return tx.PutUserRisks(ctx, us) })
	cases := []struct {
		page engine.Page
		want string
	}{
		{engine.Page{}, "B@x/u1,_@x/u4,a@x/u2,a@x/u5,b@x/u0,é@x/u3"},
		{engine.Page{Limit: 2}, "B@x/u1,_@x/u4"},
		{engine.Page{Limit: 2, Offset: 2}, "a@x/u2,a@x/u5"},
		{engine.Page{Offset: 5}, "é@x/u3"},
		{engine.Page{Limit: 3, Offset: 6}, ""},
	}
	for _, tc := range cases {
		view(t, s, func(r store.Reader) error {
			got, total, err := r.UserRiskPage(ctx, tc.page)
			if err != nil {
				return err
			}
			var keys []string
			for _, u := range got {
				keys = append(keys, u.UserPrincipalName+"/"+u.UserID)
			}
			if strings.Join(keys, ",") != tc.want || total != len(us) || got == nil {
				t.Errorf("page %+v = %v (total %d), want %s (total %d)", tc.page, keys, total, tc.want, len(us))
			}
			return nil
		})
	}
}

func testRemediations(t *testing.T, s store.Store) {
	first := engine.Remediation{Time: at(0), UserID: "u1", AlertID: "a1", Policy: "risky_sign_in", Actions: []string{"reset_password"}, Outcome: "applied"}
	second := engine.Remediation{Time: at(time.Second), UserID: "u2", AlertID: "a2", Policy: "leaked_credentials", Actions: []string{}, Outcome: "applied"}
	third := engine.Remediation{Time: at(time.Second), UserID: "u3", AlertID: "a3", Policy: "leaked_credentials", Actions: []string{}, Outcome: "graph_confirmed"}
	update(t, s, func(tx store.Tx) error { return tx.AppendRemediations(ctx, []engine.Remediation{first}) })
	update(t, s, func(tx store.Tx) error { return tx.AppendRemediations(ctx, []engine.Remediation{second, third}) })
	view(t, s, func(r store.Reader) error {
		log, total, err := r.Remediations(ctx, engine.Page{})
		if err != nil {
			return err
		}
		if total != 3 || len(log) != 3 || log[0].UserID != "u1" || log[1].UserID != "u2" || log[2].UserID != "u3" || !log[0].Time.Equal(at(0)) ||
			strings.Join(log[0].Actions, ",") != "reset_password" || log[1].Actions == nil {
			t.Fatalf("log = %+v (total %d), want every entry in append order", log, total)
		}
		page, total, err := r.Remediations(ctx, engine.Page{Limit: 1, Offset: 1})
		if err != nil {
			return err
		}
		if total != 3 || len(page) != 1 || page[0].UserID != "u2" {
			t.Fatalf("second page of one = %+v (total %d), want u2 of 3", page, total)
		}
		page, _, err = r.Remediations(ctx, engine.Page{Offset: 3})
		if err == nil && (page == nil || len(page) != 0) {
			t.Fatalf("past the end = %#v, want an empty list", page)
		}
		return err
	})
}
