package remediate

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

// Write-back: after a sync's ingest has committed, every user remediation
// set to high risk and not yet written back is sent to Identity
// Protection's riskyUsers/confirmCompromised.
//
// Which users are "not yet written back" is read from the remediation
// audit log (Reader.PendingWriteback): a user is due when their latest
// entry is "applied" or a failed write-back, and no longer once a
// "graph_confirmed" entry follows. Outcomes are appended only after Graph
// answered, which makes the write-back exactly-once per remediation:
//
//   - a confirmed user is never sent again (unless a later remediation
//     appends a new "applied" entry);
//   - a failed user is sent again by a later sync, and only then;
//   - concurrent syncs (engine processes sharing a database, serve's polling
//     and a command-line sync) do not both send: a store lease
//     (Tx.TakeLease) lets one process write back at a time. It is taken in
//     the transaction that reads the users due and given back in the one
//     that appends the outcomes; the holder stops sending Budget after
//     taking it, before it expires, so two holders never overlap;
//   - a crash after Graph accepted a batch but before its outcomes were
//     appended leaves the lease held until it expires (LeaseTerm); the next
//     write-back then sends those users once more. That resend is
//     harmless: confirming a user already confirmed compromised changes
//     nothing in Identity Protection (the call is idempotent).
//
// The first failures of a user are retried by the very next sync; after
// EagerRetries consecutive failures the retries are spaced, doubling up to
// MaxSpacing, so that a lasting refusal (a missing permission, say) does
// not add an audit entry per user at every poll.

const (
	// Lease names the write-back's lease in the store.
	Lease = "graph:writeback"
	// LeaseTerm is how long a write-back holds the lease.
	LeaseTerm = 10 * time.Minute
	// Budget is how long a write-back may send: less than LeaseTerm, so
	// that the next holder never overlaps it.
	Budget       = LeaseTerm - time.Minute
	EagerRetries = 3
	MinSpacing   = 5 * time.Minute
	MaxSpacing   = time.Hour
	// recordTimeout bounds appending the outcomes, which happens even when
	// the sync's context was cancelled meanwhile: what Graph accepted is
	// worth recording.
	recordTimeout = 30 * time.Second
)

// Sent is Graph's answer for one batch of users.
type Sent struct {
	UserIDs []string
	// Attempts is the number of requests sent: 0 when none was.
	Attempts int
	// Err is nil when Graph confirmed the whole batch.
	Err error
}

// Confirm sends users to Identity Protection's confirmCompromised and
// returns Graph's answer for every one of them.
type Confirm func(ctx context.Context, userIDs []string) []Sent

// Writeback sends the users due to Identity Protection and records the
// outcomes in the audit log.
type Writeback struct {
	Store store.Store
	Clock engine.Clock
	Log   hclog.Logger
}

// pendingUser is a remediated user as the audit log tells it.
type pendingUser struct {
	applied     engine.Remediation // the latest remediation, the one to write back
	confirmed   bool               // Graph confirmed it
	failures    int                // failed write-backs since it
	lastFailure time.Time
}

// Due reads audit entries, oldest first (all of them, or what
// PendingWriteback returns of them): the users due for write-back at now,
// as their latest "applied" entry, in the order they were remediated, and
// how many more wait for their next retry.
func Due(entries []engine.Remediation, now time.Time) (due []engine.Remediation, waiting int64) {
	users := map[string]*pendingUser{}
	var order []string
	for _, e := range entries {
		u := users[e.UserID]
		switch {
		case e.Outcome == engine.OutcomeApplied:
			if u == nil {
				order = append(order, e.UserID)
			}
			users[e.UserID] = &pendingUser{applied: e}
		case u == nil:
		case e.Outcome == engine.OutcomeGraphConfirmed:
			u.confirmed = true
		case isWritebackFailure(e.Outcome) && !u.confirmed:
			u.failures++
			u.lastFailure = e.Time
		}
	}
	for _, id := range order {
		u := users[id]
		switch {
		case u.confirmed || strings.TrimSpace(id) == "":
			// A blank id is a user Graph cannot name: never sent.
		case u.failures > 0 && now.Before(u.lastFailure.Add(RetryDelay(u.failures))):
			waiting++
		default:
			due = append(due, u.applied)
		}
	}
	return due, waiting
}

func isWritebackFailure(outcome string) bool {
	return outcome == engine.OutcomeGraphWritebackFailed || strings.HasPrefix(outcome, engine.OutcomeGraphWritebackFailed+":")
}

// RetryDelay is how long after its last failure a user waits for the next
// attempt, given how many attempts failed in a row.
func RetryDelay(failures int) time.Duration {
	if failures < EagerRetries {
		return 0
	}
	d := MinSpacing
	for i := EagerRetries; i < failures && d < MaxSpacing; i++ {
		d *= 2
	}
	return min(d, MaxSpacing)
}

// Run sends the users due and appends the outcomes to the audit log. It
// never fails: what goes wrong is logged, recorded when it is Graph's
// answer, and retried by a later run.
func (w Writeback) Run(ctx context.Context, confirm Confirm) engine.WritebackSummary {
	holder := newHolder()
	due, sum, err := w.claim(ctx, holder)
	if err != nil {
		w.Log.Error("write-back skipped: the users due could not be claimed", "error", err.Error())
		return sum
	}
	if len(due) == 0 {
		return sum
	}

	byID := make(map[string]engine.Remediation, len(due))
	ids := make([]string, len(due))
	for i, u := range due {
		ids[i] = u.UserID
		byID[ids[i]] = u
	}
	sendCtx, cancel := context.WithTimeout(ctx, Budget)
	results := confirm(sendCtx, ids)
	cancel()

	now := w.Clock.Now()
	var entries []engine.Remediation
	for _, r := range results {
		notSent := r.Attempts == 0 && (errors.Is(r.Err, context.Canceled) || errors.Is(r.Err, context.DeadlineExceeded))
		for _, id := range r.UserIDs {
			u, ok := byID[id]
			switch {
			case !ok:
				continue
			case notSent:
				// Never reached Graph: still due, nothing to record.
				sum.Deferred++
				continue
			}
			e := engine.Remediation{Time: now, UserID: id, AlertID: u.AlertID, Policy: u.Policy, Actions: []string{}}
			if r.Err == nil {
				e.Outcome = engine.OutcomeGraphConfirmed
				sum.Confirmed++
			} else {
				e.Outcome = fmt.Sprintf("%s: %s (attempts %d)", engine.OutcomeGraphWritebackFailed, r.Err.Error(), r.Attempts)
				sum.Failed++
			}
			entries = append(entries, e)
		}
	}

	recordCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	err = w.Store.Update(recordCtx, func(tx store.Tx) error {
		if err := tx.AppendRemediations(recordCtx, entries); err != nil {
			return err
		}
		return tx.ReleaseLease(recordCtx, Lease, holder)
	})
	if err != nil {
		// Graph's answers are lost with this transaction: the users go out
		// again once the lease expires, which confirmCompromised tolerates.
		w.Log.Error("write-back outcomes could not be recorded; the users will be sent again once the lease expires",
			"users", len(entries), "lease", LeaseTerm.String(), "error", err.Error())
		return sum
	}
	level := w.Log.Info
	if sum.Failed > 0 {
		level = w.Log.Warn
	}
	level("write-back finished", "confirmed", sum.Confirmed, "failed", sum.Failed, "deferred", sum.Deferred)
	return sum
}

// claim takes the lease for holder when users are due, and returns them.
// The users are read again once the lease is held: on a shared database a
// previous holder may have committed its outcomes between the first read
// and the lease, and only the second read is sure to see them.
func (w Writeback) claim(ctx context.Context, holder string) ([]engine.Remediation, engine.WritebackSummary, error) {
	var due []engine.Remediation
	var sum engine.WritebackSummary
	err := w.Store.Update(ctx, func(tx store.Tx) error {
		due, sum = nil, engine.WritebackSummary{}
		now := w.Clock.Now()
		entries, err := tx.PendingWriteback(ctx)
		if err != nil {
			return err
		}
		if due, sum.Deferred = Due(entries, now); len(due) == 0 {
			return nil
		}
		took, err := tx.TakeLease(ctx, Lease, holder, now, now.Add(LeaseTerm))
		if err != nil {
			return err
		}
		if !took {
			w.Log.Debug("another process is writing back; this sync leaves it the users", "users", len(due))
			sum.Deferred += int64(len(due))
			due = nil
			return nil
		}
		if entries, err = tx.PendingWriteback(ctx); err != nil {
			return err
		}
		due, sum.Deferred = Due(entries, now)
		if len(due) == 0 {
			return tx.ReleaseLease(ctx, Lease, holder)
		}
		return nil
	})
	return due, sum, err
}

func newHolder() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}
