package service

import (
	"bytes"
	"context"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest"
	"github.com/idp/terraform-provider-idp/internal/engine/policy"
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
	read       int64
	raw        int64
	evalErrors int64
}

type pendingDetection struct {
	// chain holds the versions of the copies that were newer than every
	// copy before them in this unit, in input order; the last is the copy
	// kept. dups counts the others, duplicates whatever the store holds.
	chain  []int64
	dups   int64
	member engine.Member
	groups []engine.GroupKey
}

type quarantined struct {
	entry engine.QuarantineEntry
	raw   []byte
	spill *ingest.Spill
}

func (s *Service) newDetectionUnit(source string, policies []*policy.Compiled) *detectionUnit {
	return &detectionUnit{s: s, source: source, policies: policies, pending: map[engine.DetectionKey]*pendingDetection{}}
}

func (u *detectionUnit) records() int    { return len(u.pending) + len(u.quarantine) }
func (u *detectionUnit) rawBytes() int64 { return u.raw }
func (u *detectionUnit) discard()        { discardQuarantine(u.quarantine) }
func (u *detectionUnit) add(b ingest.Batch[engine.Detection]) {
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
		switch {
		case p == nil:
			p = &pendingDetection{}
			u.pending[key] = p
		case version <= p.chain[len(p.chain)-1]:
			p.dups++
			continue
		}
		p.chain = append(p.chain, version)
		p.member = engine.MemberOf(engine.GroupKey{}, key, d)
		p.groups = p.groups[:0]
		for _, c := range u.policies {
			g, ok, err := c.Group(d, key)
			if err != nil {
				// A condition that fails on one detection (its cost limit,
				// say) must not stop ingestion: the detection is stored and
				// simply not selected by that policy.
				u.evalErrors++
				continue
			}
			if ok {
				p.groups = append(p.groups, g)
			}
		}
	}
}

// touched is one group whose alert must be recomputed.
type touched struct {
	// single is the only member of a per-detection group (nil when the
	// detection left the group).
	single *engine.Member
}

func (u *detectionUnit) commit(ctx context.Context, tx store.Tx, in engine.Integration) (engine.IngestSummary, error) {
	sum := engine.IngestSummary{Read: u.read, Quarantined: int64(len(u.quarantine))}
	if u.evalErrors > 0 {
		u.s.log.Warn("policy conditions failed on some detections; they were stored but not selected", "detections", u.evalErrors)
	}
	keys := make([]engine.DetectionKey, 0, len(u.pending))
	for k := range u.pending {
		keys = append(keys, k)
	}
	if err := tx.Lock(ctx, store.LockKeys{Detections: keys}); err != nil {
		return sum, err
	}
	existing, err := tx.Detections(ctx, keys)
	if err != nil {
		return sum, err
	}

	var puts []store.StoredDetection
	var memberPuts []engine.Member
	var memberDels []store.MemberRef
	groups := map[engine.GroupKey]*touched{}
	for key, p := range u.pending {
		old, exists := existing[key]
		changed := false
		for _, v := range p.chain {
			switch {
			case exists && v <= old.Version.UnixNano():
				sum.Duplicates++
				continue
			case !exists && !changed:
				sum.Accepted++
			default:
				sum.Updated++
			}
			changed = true
		}
		sum.Duplicates += p.dups
		if !changed {
			continue
		}
		for _, g := range old.Groups {
			if !containsGroup(p.groups, g) {
				if g.PerWindow() {
					memberDels = append(memberDels, store.MemberRef{Group: g, Detection: key})
				}
				groups[g] = &touched{}
			}
		}
		for _, g := range p.groups {
			m := p.member
			m.Group = g
			if g.PerWindow() {
				memberPuts = append(memberPuts, m)
			}
			groups[g] = &touched{single: &m}
		}
		puts = append(puts, store.StoredDetection{Key: key, Version: timeOf(p.chain[len(p.chain)-1]), Groups: p.groups})
	}

	if err := u.writeDetections(ctx, tx, puts, memberPuts, memberDels); err != nil {
		return sum, err
	}
	if err := u.s.recomputeAlerts(ctx, tx, in, u.policies, groups, &sum); err != nil {
		return sum, err
	}
	return sum, appendQuarantine(ctx, tx, u.quarantine, u.s.clock.Now())
}

func (u *detectionUnit) writeDetections(ctx context.Context, tx store.Tx, puts []store.StoredDetection,
	memberPuts []engine.Member, memberDels []store.MemberRef) error {
	if err := tx.PutDetections(ctx, puts); err != nil {
		return err
	}
	if err := tx.DeleteMembers(ctx, memberDels); err != nil {
		return err
	}
	return tx.PutMembers(ctx, memberPuts)
}

func containsGroup(gs []engine.GroupKey, g engine.GroupKey) bool {
	for _, x := range gs {
		if x == g {
			return true
		}
	}
	return false
}

// recomputeAlerts brings the alert of every touched group in line with its
// members and the policy as it is now, then remediates the users of open
// alerts of remediating policies.
func (s *Service) recomputeAlerts(ctx context.Context, tx store.Tx, in engine.Integration, policies []*policy.Compiled,
	groups map[engine.GroupKey]*touched, sum *engine.IngestSummary) error {
	keys := make([]engine.GroupKey, 0, len(groups))
	var windows []engine.GroupKey
	ids := make([]string, 0, len(groups))
	for g := range groups {
		keys = append(keys, g)
		ids = append(ids, g.AlertID())
		if g.PerWindow() {
			windows = append(windows, g)
		}
	}
	if err := tx.Lock(ctx, store.LockKeys{Groups: keys}); err != nil {
		return err
	}
	members, err := tx.Members(ctx, windows)
	if err != nil {
		return err
	}
	existing, err := tx.Alerts(ctx, ids)
	if err != nil {
		return err
	}
	byTag := map[engine.PolicyTag]*policy.Compiled{}
	for _, c := range policies {
		byTag[engine.PolicyTagOf(c.Policy.ID())] = c
	}
	now := s.clock.Now()
	var puts []engine.Alert
	var dels []string
	var candidates []remediate.Candidate
	for g, t := range groups {
		c := byTag[g.Policy()]
		if c == nil || !c.Policy.Enabled {
			// A disabled (or deleted) policy makes no new alerts and keeps
			// its old ones as they are.
			continue
		}
		var ms []engine.Member
		if g.PerWindow() {
			ms = members[g]
		} else if t.single != nil {
			ms = []engine.Member{*t.single}
		}
		a := policy.Aggregate(c.Policy.ID(), g, ms)
		old, had := existing[a.ID]
		if len(ms) == 0 || !c.Alerts(a.Severity) {
			if had {
				dels = append(dels, a.ID)
			}
			continue
		}
		switch {
		case !had:
			a.CreatedAt, a.UpdatedAt = now, now
			sum.AlertsCreated++
		case sameAlert(old, a):
			continue
		default:
			a.CreatedAt, a.UpdatedAt = old.CreatedAt, now
			sum.AlertsUpdated++
		}
		puts = append(puts, a)
		if a.Status == engine.AlertOpen && c.Policy.RemediateRiskyUsers {
			candidates = append(candidates, remediate.Candidate{AlertID: a.ID, Policy: a.Policy, UserID: a.UserID, UserPrincipalName: a.UserPrincipalName})
		}
	}
	if err := tx.PutAlerts(ctx, puts); err != nil {
		return err
	}
	if err := tx.DeleteAlerts(ctx, dels); err != nil {
		return err
	}
	n, err := s.remediate(ctx, tx, in, candidates, now)
	sum.UsersRemediated += n
	return err
}

// sameAlert compares what members decide, not the engine's timestamps.
func sameAlert(a, b engine.Alert) bool {
	if a.Severity != b.Severity || a.Status != b.Status || a.UserID != b.UserID ||
		a.UserPrincipalName != b.UserPrincipalName || a.UserDisplayName != b.UserDisplayName ||
		a.DetectionCount != b.DetectionCount || !a.FirstSeen.Equal(b.FirstSeen) || !a.LastSeen.Equal(b.LastSeen) ||
		len(a.RiskEventTypes) != len(b.RiskEventTypes) || a.Policy != b.Policy {
		return false
	}
	for i := range a.RiskEventTypes {
		if a.RiskEventTypes[i] != b.RiskEventTypes[i] {
			return false
		}
	}
	return true
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
		if q.spill != nil {
			r, err := q.spill.Open()
			if err != nil {
				return err
			}
			recs[i].Raw = r
		} else {
			recs[i].Raw = bytes.NewReader(q.raw)
		}
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
