package storetest

import (
	"reflect"
	"testing"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

func testLastSync(t *testing.T, s store.Store) {
	view(t, s, func(r store.Reader) error {
		run, err := r.LastSync(ctx)
		if err == nil && run != nil {
			t.Fatalf("a new store has a last sync: %+v", run)
		}
		return err
	})
	first := engine.SyncRun{StartedAt: at(0), FinishedAt: at(1), Error: "graph: 503",
		Summary: engine.SyncSummary{Ingest: engine.IngestSummary{Read: 7, Accepted: 5, Quarantined: 2}}}
	second := engine.SyncRun{StartedAt: at(2), FinishedAt: at(3),
		Summary: engine.SyncSummary{Ingest: engine.IngestSummary{Read: 3, Accepted: 3, AlertsCreated: 1},
			Writeback: &engine.WritebackSummary{Confirmed: 1}}}
	for _, want := range []engine.SyncRun{first, second} {
		update(t, s, func(tx store.Tx) error { return tx.PutLastSync(ctx, want) })
		view(t, s, func(r store.Reader) error {
			got, err := r.LastSync(ctx)
			if err != nil {
				return err
			}
			if got == nil || !got.StartedAt.Equal(want.StartedAt) || !got.FinishedAt.Equal(want.FinishedAt) ||
				got.Error != want.Error || !reflect.DeepEqual(got.Summary, want.Summary) {
				t.Fatalf("last sync = %+v, want %+v", got, want)
			}
			return nil
		})
	}
}

func testClaims(t *testing.T, s store.Store) {
	claims := func() []string {
		var out []string
		view(t, s, func(r store.Reader) error {
			var err error
			out, err = r.Claims(ctx)
			return err
		})
		return out
	}
	if got := claims(); len(got) != 0 {
		t.Fatalf("a new store has claims %v", got)
	}
	policy := engine.ClaimPolicy(engine.PolicyRiskySignIn)
	update(t, s, func(tx store.Tx) error {
		// Taking a claim twice is one claim; settings stored beside the
		// claims are not claims.
		for _, name := range []string{policy, engine.ClaimIntegration, policy} {
			if err := tx.PutClaim(ctx, name); err != nil {
				return err
			}
		}
		return tx.PutIntegration(ctx, engine.DefaultIntegration())
	})
	if got, want := claims(), []string{engine.ClaimIntegration, policy}; !reflect.DeepEqual(got, want) {
		t.Fatalf("claims = %v, want %v", got, want)
	}
	update(t, s, func(tx store.Tx) error {
		if err := tx.DeleteClaim(ctx, engine.ClaimIntegration); err != nil {
			return err
		}
		return tx.DeleteClaim(ctx, "never-claimed")
	})
	if got, want := claims(), []string{policy}; !reflect.DeepEqual(got, want) {
		t.Fatalf("claims after a release = %v, want %v", got, want)
	}
	view(t, s, func(r store.Reader) error {
		in, found, err := r.Integration(ctx)
		if err == nil && (!found || in.RetentionDays != engine.DefaultRetentionDays) {
			t.Fatalf("the integration beside the claims = %+v, %v", in, found)
		}
		return err
	})
}
