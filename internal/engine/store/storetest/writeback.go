package storetest

import (
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

// WritebackLog is an audit log that exercises every way a user enters and
// leaves write-back, oldest first, for the conformance suite and the
// backends' upgrade tests to store.
func WritebackLog(at time.Time) []engine.Remediation {
	e := func(min int, user, outcome string) engine.Remediation {
		return engine.Remediation{Time: at.Add(time.Duration(min) * time.Minute), UserID: user, AlertID: "alert-" + user,
			Policy: engine.PolicyLeakedCredentials, Actions: []string{}, Outcome: outcome}
	}
	failed := engine.OutcomeGraphWritebackFailed + ": 503 (attempts 3)"
	return []engine.Remediation{
		e(0, "pending", engine.OutcomeApplied),
		e(1, "confirmed", engine.OutcomeApplied),
		e(2, "again", engine.OutcomeApplied),
		e(3, "failing", engine.OutcomeApplied),
		e(4, "confirmed", engine.OutcomeGraphConfirmed),
		e(5, "again", engine.OutcomeGraphConfirmed),
		e(6, "failing", failed),
		e(7, "again", engine.OutcomeApplied),
		e(8, "failing", failed),
	}
}

// WantPendingWriteback is what PendingWriteback returns for log (built by
// WritebackLog): every entry from each pending user's latest "applied"
// one on, nothing of the confirmed user.
func WantPendingWriteback(log []engine.Remediation) []engine.Remediation {
	return []engine.Remediation{log[0], log[3], log[6], log[7], log[8]}
}

// CheckPendingWriteback fails t unless s reports want pending.
func CheckPendingWriteback(t *testing.T, s store.Store, want []engine.Remediation) {
	t.Helper()
	view(t, s, func(r store.Reader) error {
		got, err := r.PendingWriteback(ctx)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("PendingWriteback:\n got %+v\nwant %+v", got, want)
		}
		return nil
	})
}

func testPendingWriteback(t *testing.T, s store.Store) {
	CheckPendingWriteback(t, s, []engine.Remediation{})
	log := WritebackLog(at(0))
	// Two appends, the second confirming a user the first made pending:
	// the index follows the log across transactions as within one.
	update(t, s, func(tx store.Tx) error { return tx.AppendRemediations(ctx, log[:4]) })
	update(t, s, func(tx store.Tx) error { return tx.AppendRemediations(ctx, log[4:]) })
	CheckPendingWriteback(t, s, WantPendingWriteback(log))

	// A transaction reads its own marks.
	update(t, s, func(tx store.Tx) error {
		confirm := engine.Remediation{Time: at(time.Hour), UserID: "pending", AlertID: "alert-pending",
			Policy: engine.PolicyLeakedCredentials, Actions: []string{}, Outcome: engine.OutcomeGraphConfirmed}
		if err := tx.AppendRemediations(ctx, []engine.Remediation{confirm}); err != nil {
			return err
		}
		got, err := tx.PendingWriteback(ctx)
		if err == nil && len(got) != 4 {
			t.Fatalf("after confirming one user, %d entries pending in the transaction, want 4: %+v", len(got), got)
		}
		return err
	})
	CheckPendingWriteback(t, s, WantPendingWriteback(log)[1:])
}

func testLease(t *testing.T, s store.Store) {
	now := at(0)
	take := func(holder string, now time.Time) bool {
		t.Helper()
		var took bool
		update(t, s, func(tx store.Tx) error {
			var err error
			took, err = tx.TakeLease(ctx, "job", holder, now, now.Add(10*time.Minute))
			return err
		})
		return took
	}
	release := func(holder string) {
		t.Helper()
		update(t, s, func(tx store.Tx) error { return tx.ReleaseLease(ctx, "job", holder) })
	}
	steps := []struct {
		what string
		ok   bool
	}{
		{"a takes a free lease", take("a", now)},
		{"b cannot take a's lease", !take("b", now.Add(time.Minute))},
		{"a takes its own lease again, extending it", take("a", now.Add(5*time.Minute))},
		{"b cannot take it before the extended expiry", !take("b", now.Add(14*time.Minute))},
		{"b takes it at its expiry", take("b", now.Add(15*time.Minute))},
	}
	release("a") // a no longer holds it: nothing happens
	steps = append(steps, struct {
		what string
		ok   bool
	}{"a's release leaves b's lease", !take("a", now.Add(16*time.Minute))})
	release("b")
	steps = append(steps, struct {
		what string
		ok   bool
	}{"a takes it once b released it", take("a", now.Add(16*time.Minute))})
	for _, st := range steps {
		if !st.ok {
			t.Errorf("%s: no", st.what)
		}
	}
	update(t, s, func(tx store.Tx) error {
		took, err := tx.TakeLease(ctx, "other job", "b", now.Add(16*time.Minute), now.Add(time.Hour))
		if err == nil && !took {
			t.Error("leases of different names do not share holders")
		}
		return err
	})

	// Many takers at once, each holding a lease until after all have
	// tried: exactly one gets it.
	var wg sync.WaitGroup
	var mu sync.Mutex
	winners := 0
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.Update(ctx, func(tx store.Tx) error {
				took, err := tx.TakeLease(ctx, "race", fmt.Sprint("holder-", i), now, now.Add(time.Hour))
				if err == nil && took {
					mu.Lock()
					winners++
					mu.Unlock()
				}
				return err
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if winners != 1 {
		t.Errorf("%d concurrent takers got the lease, want 1", winners)
	}
}
