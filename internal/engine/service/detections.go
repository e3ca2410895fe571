package service

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/alerting"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest"
	"github.com/idp/terraform-provider-idp/internal/engine/policy"
	"github.com/idp/terraform-provider-idp/internal/engine/policy/condition"
	"github.com/idp/terraform-provider-idp/internal/engine/remediate"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

// detectionUnit gathers one transaction of detections. Only the newest copy
// of each id is kept, reduced to what the store needs; the older copies are
// remembered as versions so that counts come out as if each record had been
// applied one by one.
type detectionUnit struct {
	s          *Service
	source     string
	policies   []*policy.Compiled
	pending    map[engine.DetectionKey]*pendingDetection
	quarantine []quarantined
	// kept are the batches' packed texts (ingest.Batch.Kept); a pending
	// detection names its newest copy's text by index here.
	kept [][]byte
	read int64
	raw  int64
	// failed counts, by policy, the detections its condition could not
	// decide on; they are logged when the unit commits.
	failed map[string]*evalFailures
}

// evalFailures are one policy's failed evaluations in one unit.
type evalFailures struct {
	overBudget int64
	other      int64
	first      error
}

type pendingDetection struct {
	versions
	// payload is the detection's member fields, packed while reading
	// (store.PackedMember says why).
	payload store.PackedMember
	groups  []engine.GroupKey
	// kept and index name the newest copy's text: u.kept[kept], record
	// index; kept is -1 when its batch kept none.
	kept, index int
}

type quarantined struct {
	entry engine.QuarantineEntry
	raw   []byte
	spill *ingest.Spill
}

func (s *Service) newDetectionUnit(source string, policies []*policy.Compiled) *detectionUnit {
	return &detectionUnit{s: s, source: source, policies: policies, pending: map[engine.DetectionKey]*pendingDetection{}}
}

func (u *detectionUnit) Records() int    { return len(u.pending) + len(u.quarantine) }
func (u *detectionUnit) RawBytes() int64 { return u.raw }
func (u *detectionUnit) Discard()        { discardQuarantine(u.quarantine) }
func (u *detectionUnit) Add(ctx context.Context, b ingest.Batch[engine.Detection]) {
	kept := -1
	if b.Kept != nil {
		kept = len(u.kept)
		u.kept = append(u.kept, b.Kept)
	}
	for i := range b.Items {
		it := &b.Items[i]
		u.read++
		if it.Reject != nil {
			u.quarantine = append(u.quarantine, quarantineOf(u.source, it.Line, it.Reject, it.Raw, it.Spill))
			u.raw += int64(len(it.Raw))
			continue
		}
		d := &it.Value
		key := engine.KeyOf(d.ID)
		version := d.Version().UnixNano()
		p := u.pending[key]
		if p == nil {
			p = &pendingDetection{}
			u.pending[key] = p
		}
		if !p.offer(version) {
			continue
		}
		p.kept, p.index = kept, it.Kept
		p.payload = store.PackMember(engine.MemberOf(engine.GroupKey{}, key, d))
		p.groups = p.groups[:0]
		for _, c := range u.policies {
			g, ok, err := c.Group(ctx, d, key)
			if err != nil {
				// A condition that fails on one detection (its cost limit
				// or time budget, say) must not stop ingestion: the
				// detection is stored and simply not selected by that
				// policy. (When ctx itself ended, the unit is never
				// committed.)
				u.evalFailed(c.Policy.ID(), err)
				continue
			}
			if ok {
				p.groups = append(p.groups, g)
			}
		}
	}
}

func (u *detectionUnit) evalFailed(policyID string, err error) {
	if u.failed == nil {
		u.failed = map[string]*evalFailures{}
	}
	f := u.failed[policyID]
	if f == nil {
		f = &evalFailures{first: err}
		u.failed[policyID] = f
	}
	if errors.Is(err, condition.ErrBudgetExceeded) {
		f.overBudget++
	} else {
		f.other++
	}
}

// logEvalFailures reports, once per unit and policy, the detections a
// policy's condition could not decide on: stored, but not selected by it.
func (u *detectionUnit) logEvalFailures() {
	ids := make([]string, 0, len(u.failed))
	for id := range u.failed {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		f := u.failed[id]
		u.s.log.Named("ingest").Warn("a policy's condition failed on some detections; they were stored but not selected by it",
			"policy", id, "over_time_budget", f.overBudget, "other_errors", f.other, "first_error", f.first.Error())
	}
}

func (u *detectionUnit) commit(ctx context.Context, tx store.Tx, in engine.Integration) (engine.IngestSummary, error) {
	sum := engine.IngestSummary{Read: u.read, Quarantined: int64(len(u.quarantine))}
	u.logEvalFailures()
	keys := make([]engine.DetectionKey, 0, len(u.pending))
	for k := range u.pending {
		keys = append(keys, k)
	}
	if err := tx.Lock(ctx, store.LockKeys{Detections: keys}); err != nil {
		return sum, err
	}
	blockIDs, err := tx.RecordBlockIDs(ctx, len(u.kept))
	if err != nil {
		return sum, err
	}
	newest := make([]store.StoredDetection, 0, len(u.pending))
	for k, p := range u.pending {
		d := store.StoredDetection{Key: k, Version: timeOf(p.newest()), Groups: p.groups}
		if p.kept >= 0 {
			d.Record = store.RecordRef{Block: blockIDs[p.kept], Index: p.index}
		}
		newest = append(newest, d)
	}
	written, err := tx.UpsertDetections(ctx, newest)
	if err != nil {
		return sum, err
	}
	if err := u.putKept(ctx, tx, blockIDs, written); err != nil {
		return sum, err
	}

	changes := map[engine.GroupKey]*alerting.Change{}
	var rows []store.MemberRow
	changeOf := func(g engine.GroupKey) *alerting.Change {
		c := changes[g]
		if c == nil {
			c = &alerting.Change{}
			changes[g] = c
		}
		return c
	}
	for key, p := range u.pending {
		prev, wrote := written[key]
		if !countDetection(p, prev, wrote, &sum) {
			continue
		}
		if prev != nil {
			for _, g := range prev.Groups {
				if !containsGroup(p.groups, g) {
					c := changeOf(g)
					c.Removed = append(c.Removed, key)
				}
			}
		}
		if len(p.groups) == 0 {
			continue
		}
		m, err := p.payload.Unpack(engine.GroupKey{}, key)
		if err != nil {
			return sum, err
		}
		for _, g := range p.groups {
			c := changeOf(g)
			m.Group = g
			c.Upserts = append(c.Upserts, m)
			rows = append(rows, store.MemberRow{Group: g, Detection: key, Payload: p.payload})
			if prev == nil && !g.PerWindow() {
				c.Fresh = true
			}
		}
	}
	if err := u.s.applyGroupChanges(ctx, tx, in, u.policies, changes, rows, &sum); err != nil {
		return sum, err
	}
	return sum, appendQuarantine(ctx, tx, u.quarantine, u.s.clock.Now())
}

// putKept stores the blocks that hold the text of a detection the store
// wrote; a block of duplicates only is dropped, so that ingesting an input
// again keeps nothing twice.
func (u *detectionUnit) putKept(ctx context.Context, tx store.Tx, ids []int64, written map[engine.DetectionKey]*store.StoredDetection) error {
	used := make([]bool, len(u.kept))
	for k := range written {
		if p := u.pending[k]; p.kept >= 0 {
			used[p.kept] = true
		}
	}
	var blocks []store.RecordBlock
	now := u.s.clock.Now()
	for i, data := range u.kept {
		if used[i] {
			blocks = append(blocks, store.RecordBlock{ID: ids[i], StoredAt: now, Data: data})
		}
	}
	return tx.PutRecordBlocks(ctx, blocks)
}

// countDetection counts a pending detection's copies. The store wrote the
// newest copy when it was newer than what was stored (prev is what it
// replaced, nil when the detection was new); when it did not, every copy
// was a duplicate. It reports whether the detection changed.
func countDetection(p *pendingDetection, prev *store.StoredDetection, wrote bool, sum *engine.IngestSummary) bool {
	switch {
	case !wrote:
		newest := p.newest()
		p.count(&newest, sum)
		return false
	case prev == nil:
		return p.count(nil, sum)
	}
	stored := prev.Version.UnixNano()
	return p.count(&stored, sum)
}

func containsGroup(gs []engine.GroupKey, g engine.GroupKey) bool {
	for _, x := range gs {
		if x == g {
			return true
		}
	}
	return false
}

// applyGroupChanges writes the members that changed (memberPuts, the
// packed form of the changes' upserts) and brings the alert
// of every changed group in line with its members and its policy as it is
// now (alerting.Reconcile), then remediates the users of open alerts of
// remediating policies. Members are read before they are written: most
// groups in a batch are new, and looking up an empty range is cheaper than
// reading back fresh rows.
func (s *Service) applyGroupChanges(ctx context.Context, tx store.Tx, in engine.Integration, policies []*policy.Compiled,
	changes map[engine.GroupKey]*alerting.Change, memberPuts []store.MemberRow, sum *engine.IngestSummary) error {
	groups := make([]engine.GroupKey, 0, len(changes))
	var windows, known []engine.GroupKey
	var memberDels []store.MemberRef
	for g, c := range changes {
		groups = append(groups, g)
		if g.PerWindow() {
			windows = append(windows, g)
		}
		if !c.Fresh {
			known = append(known, g)
		}
		// Every group keeps its members, a per-detection group its one
		// detection too: that is what an alert's page lists.
		for _, d := range c.Removed {
			memberDels = append(memberDels, store.MemberRef{Group: g, Detection: d})
		}
	}
	if err := tx.Lock(ctx, store.LockKeys{Groups: groups}); err != nil {
		return err
	}
	stored, err := tx.Members(ctx, windows)
	if err != nil {
		return err
	}
	existing, err := tx.Alerts(ctx, known)
	if err != nil {
		return err
	}
	now := s.clock.Now()
	res := alerting.Reconcile(alerting.Input{Changes: changes, Members: stored, Alerts: existing, Policies: policies, Now: now})
	sum.AlertsCreated += res.Created
	sum.AlertsUpdated += res.Updated

	if err := tx.DeleteMembers(ctx, memberDels); err != nil {
		return err
	}
	if err := tx.PutMembers(ctx, memberPuts); err != nil {
		return err
	}
	if err := tx.PutAlerts(ctx, res.Puts); err != nil {
		return err
	}
	if err := tx.DeleteAlerts(ctx, res.Deletes); err != nil {
		return err
	}
	n, err := s.remediate(ctx, tx, in, res.Candidates, now)
	sum.UsersRemediated += n
	if err != nil {
		return err
	}
	// Last, so that on a shared database the counts' rows stay locked for
	// as short a time as possible.
	return tx.AddAlertCounts(ctx, countChanges(existing, res))
}

// countChanges is how the running counts move when res is written over
// the alerts that existed.
func countChanges(existing map[engine.GroupKey]engine.Alert, res alerting.Result) store.AlertCounts {
	var counts store.AlertCounts
	for _, g := range res.Deletes {
		counts.Add(existing[g], -1)
	}
	for _, a := range res.Puts {
		if old, had := existing[a.Group]; had {
			counts.Add(old, -1)
		}
		counts.Add(a, 1)
	}
	return counts
}

func (s *Service) remediate(ctx context.Context, tx store.Tx, in engine.Integration, candidates []remediate.Candidate, now time.Time) (int64, error) {
	if len(candidates) == 0 {
		return 0, nil
	}
	users := map[string]bool{}
	var ids []string
	for _, c := range candidates {
		if !users[c.UserID] {
			users[c.UserID] = true
			ids = append(ids, c.UserID)
		}
	}
	if err := tx.Lock(ctx, store.LockKeys{Users: ids}); err != nil {
		return 0, err
	}
	current, err := tx.UserRisks(ctx, ids)
	if err != nil {
		return 0, err
	}
	managed, err := tx.ManagedUsers(ctx, ids)
	if err != nil {
		return 0, err
	}
	risks, log := remediate.Plan(candidates, current, in.Actions, managed, now)
	if err := tx.PutUserRisks(ctx, risks); err != nil {
		return 0, err
	}
	if err := tx.AppendRemediations(ctx, log); err != nil {
		return 0, err
	}
	for _, r := range log {
		s.log.Named("remediate").Info("user set to high risk", "user_id", r.UserID, "alert_id", r.AlertID, "policy", r.Policy, "actions", r.Actions)
	}
	return int64(len(risks)), nil
}

func quarantineOf(source string, line int64, reason *ingest.RecordError, raw []byte, spill *ingest.Spill) quarantined {
	return quarantined{entry: engine.QuarantineEntry{Reason: reason.Reason, Source: source, Line: line}, raw: raw, spill: spill}
}

func appendQuarantine(ctx context.Context, tx store.Tx, qs []quarantined, now time.Time) error {
	if len(qs) == 0 {
		return nil
	}
	recs := make([]store.QuarantineRecord, len(qs))
	for i, q := range qs {
		recs[i].Entry = q.entry
		recs[i].Entry.QuarantinedAt = now
		h := sha256.New()
		fmt.Fprintf(h, "%s\x00%d\x00", q.entry.Source, q.entry.Line)
		switch {
		case q.spill != nil && q.spill.Truncated():
			// Only the start is kept: the whole record is known by its
			// digest, taken as it was read.
			sum := q.spill.Sum()
			fmt.Fprintf(h, "truncated\x00%d\x00%x", q.spill.Size, sum)
			r, err := q.spill.Open()
			if err != nil {
				return err
			}
			recs[i].Raw = r
		case q.spill != nil:
			r, err := q.spill.Open()
			if err != nil {
				return err
			}
			if _, err := io.Copy(h, r); err != nil {
				return err
			}
			if recs[i].Raw, err = q.spill.Open(); err != nil {
				return err
			}
		default:
			h.Write(q.raw)
			recs[i].Raw = bytes.NewReader(q.raw)
		}
		h.Sum(recs[i].Digest[:0])
	}
	return tx.AppendQuarantine(ctx, recs)
}

func discardQuarantine(qs []quarantined) {
	for _, q := range qs {
		if q.spill != nil {
			q.spill.Close()
		}
	}
}

func timeOf(ns int64) time.Time { return time.Unix(0, ns).UTC() }
