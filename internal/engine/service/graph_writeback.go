package service

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

// Write-back: after a sync's ingest has committed, every user remediation
// set to high risk and not yet written back is sent to Identity
// Protection's riskyUsers/confirmCompromised.
//
// Which users are "not yet written back" is read from the remediation
// audit log, so the store needs nothing new: a user is due when their
// latest entry is "applied" or a failed write-back, and no longer once a
// "graph_confirmed" entry follows. Outcomes are appended only after Graph
// answered, which makes the write-back exactly-once per remediation:
//
//   - a confirmed user is never sent again (unless a later remediation
//     appends a new "applied" entry);
//   - a failed user is sent again by a later sync, and only then;
//   - concurrent syncs (engine processes sharing a database, serve's polling
//     and a command-line sync) do not both send: a lease, kept as the store
//     cursor "graph:writeback", lets one process write back at a time. It
//     is taken in the transaction that reads the log and given back in the
//     one that appends the outcomes; the holder stops sending
//     writebackBudget after taking it, before it expires, so two holders
//     never overlap;
//   - a crash after Graph accepted a batch but before its outcomes were
//     appended leaves the lease held until it expires (writebackLease);
//     the next write-back then sends those users once more. That resend is
//     harmless: confirming a user already confirmed compromised changes
//     nothing in Identity Protection (the call is idempotent).
//
// The first failures of a user are retried by the very next sync; after
// writebackEagerRetries consecutive failures the retries are spaced,
// doubling up to writebackMaxSpacing, so that a lasting refusal (a missing
// permission, say) does not add an audit entry per user at every poll.

const (
	writebackLeaseCursor  = "graph:writeback"
	writebackLease        = 10 * time.Minute
	writebackBudget       = writebackLease - time.Minute
	writebackEagerRetries = 3
	writebackMinSpacing   = 5 * time.Minute
	writebackMaxSpacing   = time.Hour
	// writebackRecordTimeout bounds appending the outcomes, which happens
	// even when the sync's context was cancelled meanwhile: what Graph
	// accepted is worth recording.
	writebackRecordTimeout = 30 * time.Second
)

// writebackLeaseState is the lease cursor's value; "" when nobody holds it.
type writebackLeaseState struct {
	Holder string    `json:"holder"`
	Until  time.Time `json:"until"`
}

func (l writebackLeaseState) String() string {
	b, _ := json.Marshal(l) // cannot fail: a string and a time
	return string(b)
}

// leaseHolder is who holds the lease at now: "" when it is free, expired
// or unreadable.
func leaseHolder(raw string, now time.Time) string {
	var l writebackLeaseState
	if raw == "" || json.Unmarshal([]byte(raw), &l) != nil || !now.Before(l.Until) {
		return ""
	}
	return l.Holder
}

// writebackUser is a remediated user as the audit log tells it.
type writebackUser struct {
	applied     engine.Remediation // the latest remediation, the one to write back
	confirmed   bool               // Graph confirmed it
	failures    int                // failed write-backs since it
	lastFailure time.Time
}

// pendingWriteback reads the audit log, oldest first: the users due for
// write-back at now, in the order they were remediated, and how many more
// wait for their next retry.
func pendingWriteback(entries []engine.Remediation, now time.Time) (due []*writebackUser, waiting int64) {
	users := map[string]*writebackUser{}
	var order []string
	for _, e := range entries {
		u := users[e.UserID]
		switch {
		case e.Outcome == engine.OutcomeApplied:
			if u == nil {
				order = append(order, e.UserID)
			}
			users[e.UserID] = &writebackUser{applied: e}
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
		case u.failures > 0 && now.Before(u.lastFailure.Add(writebackRetryDelay(u.failures))):
			waiting++
		default:
			due = append(due, u)
		}
	}
	return due, waiting
}

func isWritebackFailure(outcome string) bool {
	return outcome == engine.OutcomeGraphWritebackFailed || strings.HasPrefix(outcome, engine.OutcomeGraphWritebackFailed+":")
}

// writebackRetryDelay is how long after its last failure a user waits for
// the next attempt, given how many attempts failed in a row.
func writebackRetryDelay(failures int) time.Duration {
	if failures < writebackEagerRetries {
		return 0
	}
	d := writebackMinSpacing
	for i := writebackEagerRetries; i < failures && d < writebackMaxSpacing; i++ {
		d *= 2
	}
	return min(d, writebackMaxSpacing)
}

// writeBack sends the users due and appends the outcomes to the audit log.
// It never fails the sync: what goes wrong is logged, recorded when it is
// Graph's answer, and retried by a later sync.
func (s *Service) writeBack(ctx context.Context, client *graph.Client) engine.WritebackSummary {
	log := s.log.Named("writeback")
	var sum engine.WritebackSummary
	holder := newLeaseHolder()
	var due []*writebackUser
	err := s.store.Update(ctx, func(tx store.Tx) error {
		due, sum = nil, engine.WritebackSummary{}
		if err := tx.Lock(ctx, store.LockKeys{Settings: true}); err != nil {
			return err
		}
		entries, _, err := tx.Remediations(ctx, engine.Page{})
		if err != nil {
			return err
		}
		now := s.clock.Now()
		due, sum.Deferred = pendingWriteback(entries, now)
		if len(due) == 0 {
			return nil
		}
		lease, err := tx.Cursor(ctx, writebackLeaseCursor)
		if err != nil {
			return err
		}
		if leaseHolder(lease, now) != "" {
			log.Debug("another process is writing back; this sync leaves it the users", "users", len(due))
			sum.Deferred += int64(len(due))
			due = nil
			return nil
		}
		return tx.SetCursor(ctx, writebackLeaseCursor, writebackLeaseState{Holder: holder, Until: now.Add(writebackLease)}.String())
	})
	if err != nil {
		log.Error("write-back skipped: the users due could not be claimed", "error", err.Error())
		return sum
	}
	if len(due) == 0 {
		return sum
	}

	byID := make(map[string]*writebackUser, len(due))
	ids := make([]string, len(due))
	for i, u := range due {
		ids[i] = u.applied.UserID
		byID[ids[i]] = u
	}
	sendCtx, cancel := context.WithTimeout(ctx, writebackBudget)
	results := confirm(sendCtx, client, ids)
	cancel()

	now := s.clock.Now()
	var entries []engine.Remediation
	for _, r := range results {
		notSent := r.Attempts == 0 && (errors.Is(r.Err, context.Canceled) || errors.Is(r.Err, context.DeadlineExceeded))
		for _, id := range r.UserIDs {
			u := byID[id]
			switch {
			case u == nil:
				continue
			case notSent:
				// Never reached Graph: still due, nothing to record.
				sum.Deferred++
				continue
			}
			e := engine.Remediation{Time: now, UserID: id, AlertID: u.applied.AlertID, Policy: u.applied.Policy, Actions: []string{}}
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

	recordCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), writebackRecordTimeout)
	defer cancel()
	err = s.store.Update(recordCtx, func(tx store.Tx) error {
		if err := tx.Lock(recordCtx, store.LockKeys{Settings: true}); err != nil {
			return err
		}
		if err := tx.AppendRemediations(recordCtx, entries); err != nil {
			return err
		}
		lease, err := tx.Cursor(recordCtx, writebackLeaseCursor)
		if err != nil || leaseHolder(lease, s.clock.Now()) != holder {
			return err
		}
		return tx.SetCursor(recordCtx, writebackLeaseCursor, "")
	})
	if err != nil {
		// Graph's answers are lost with this transaction: the users go out
		// again once the lease expires, which confirmCompromised tolerates.
		log.Error("write-back outcomes could not be recorded; the users will be sent again once the lease expires",
			"users", len(entries), "lease", writebackLease.String(), "error", err.Error())
		return sum
	}
	level := log.Info
	if sum.Failed > 0 {
		level = log.Warn
	}
	level("write-back finished", "confirmed", sum.Confirmed, "failed", sum.Failed, "deferred", sum.Deferred)
	return sum
}

// confirm sends ids to confirmCompromised. A batch Graph refuses for what
// it holds (400, 404: a user it does not know) is split in halves and sent
// again, down to the users it refuses alone, so that one such user cannot
// hold back the rest of its batch at every sync.
func confirm(ctx context.Context, client *graph.Client, ids []string) []graph.WritebackResult {
	var out []graph.WritebackResult
	for _, r := range client.ConfirmCompromised(ctx, ids) {
		var ae *graph.APIError
		if len(r.UserIDs) > 1 && errors.As(r.Err, &ae) &&
			(ae.StatusCode == http.StatusBadRequest || ae.StatusCode == http.StatusNotFound) {
			half := len(r.UserIDs) / 2
			out = append(out, confirm(ctx, client, r.UserIDs[:half])...)
			out = append(out, confirm(ctx, client, r.UserIDs[half:])...)
			continue
		}
		out = append(out, r)
	}
	return out
}

func newLeaseHolder() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}
