package service

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/remediate"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

// Reads for a reader that browses (the console): an overview from the
// store's running counts, single alerts and users, and pages of the logs.
// Like every read they only read, and see what retention keeps.

// Defaults of OverviewQuery.
const (
	DefaultOverviewDays = 30
	MaxOverviewDays     = 366
	DefaultTopUsers     = 10
	MaxTopUsers         = 100
)

const day = 24 * time.Hour

// Overview reads the running counts and corrects them for the alerts that
// retention hides but has not purged yet, so that they agree with Alerts.
func (s *Service) Overview(ctx context.Context, q engine.OverviewQuery) (engine.Overview, error) {
	if q.Days <= 0 {
		q.Days = DefaultOverviewDays
	}
	if q.TopUsers <= 0 {
		q.TopUsers = DefaultTopUsers
	}
	q.Days, q.TopUsers = min(q.Days, MaxOverviewDays), min(q.TopUsers, MaxTopUsers)
	ov := engine.Overview{Policy: q.Policy, Days: []engine.DayCount{}, Policies: []engine.PolicyCount{}, TopUsers: []engine.UserAlerts{}}
	err := s.store.View(ctx, func(r store.Reader) error {
		in, err := integration(ctx, r)
		if err != nil {
			return err
		}
		expired, err := r.ExpiredAlertCounts(ctx, retentionCutoff(s.clock.Now(), in))
		if err != nil {
			return err
		}
		if err := overviewTotals(ctx, r, expired, &ov); err != nil {
			return err
		}
		if err := overviewDays(ctx, r, expired, q, s.clock.Now(), &ov); err != nil {
			return err
		}
		if ov.TopUsers, err = topUsers(ctx, r, expired, q.TopUsers); err != nil {
			return err
		}
		if ov.LastSync, err = r.LastSync(ctx); err != nil {
			return err
		}
		q, err := r.Quarantine(ctx, engine.QuarantineQuery{Limit: 1, RawLimit: 1, Count: true})
		ov.Quarantined = q.Total
		return err
	})
	return ov, err
}

func overviewTotals(ctx context.Context, r store.Reader, expired store.AlertCounts, ov *engine.Overview) error {
	totals, err := r.AlertTotals(ctx)
	if err != nil {
		return err
	}
	byPolicy := map[string]*engine.PolicyCount{}
	add := func(policy string, status engine.AlertStatus, n int64) {
		p := byPolicy[policy]
		if p == nil {
			p = &engine.PolicyCount{Policy: policy}
			byPolicy[policy] = p
		}
		if status == engine.AlertOpen {
			p.Open += n
		} else {
			p.Resolved += n
		}
	}
	for _, t := range totals {
		add(t.Policy, t.Status, t.N)
	}
	for k, n := range expired.Days {
		add(k.Policy, k.Status, -n)
	}
	for _, p := range byPolicy {
		if p.Open == 0 && p.Resolved == 0 {
			continue
		}
		ov.Policies = append(ov.Policies, *p)
		if ov.Policy == "" || ov.Policy == p.Policy {
			ov.Open += p.Open
			ov.Resolved += p.Resolved
		}
	}
	slices.SortFunc(ov.Policies, func(a, b engine.PolicyCount) int { return strings.Compare(a.Policy, b.Policy) })
	return nil
}

func overviewDays(ctx context.Context, r store.Reader, expired store.AlertCounts, q engine.OverviewQuery, now time.Time, ov *engine.Overview) error {
	last, found, err := r.LastAlertDay(ctx, q.Policy)
	if err != nil {
		return err
	}
	if !found {
		last = store.DayOf(now)
	}
	first := last - int64(q.Days) + 1
	rows, err := r.AlertDays(ctx, q.Policy, first, last)
	if err != nil {
		return err
	}
	ov.Days = make([]engine.DayCount, q.Days)
	for i := range ov.Days {
		ov.Days[i].Day = time.Unix((first+int64(i))*int64(day/time.Second), 0).UTC()
	}
	add := func(d int64, sev engine.Severity, n int64) {
		if d < first || d > last {
			return
		}
		c := &ov.Days[d-first]
		switch sev {
		case engine.SeverityHigh:
			c.High += n
		case engine.SeverityMedium:
			c.Medium += n
		case engine.SeverityLow:
			c.Low += n
		}
	}
	for _, row := range rows {
		add(row.Day, row.Severity, row.N)
	}
	for k, n := range expired.Days {
		if q.Policy == "" || k.Policy == q.Policy {
			add(k.Day, k.Severity, -n)
		}
	}
	return nil
}

// topUsers reads n users more than the expired alerts touch: taking those
// alerts out only lowers their users' counts, so the n users most at risk
// after the correction are among them.
func topUsers(ctx context.Context, r store.Reader, expired store.AlertCounts, n int) ([]engine.UserAlerts, error) {
	stored, err := r.TopAlertUsers(ctx, n+len(expired.Users))
	if err != nil {
		return nil, err
	}
	out := make([]engine.UserAlerts, 0, len(stored))
	for _, u := range stored {
		if e := expired.Users[u.UserID]; e != nil {
			u = u.Minus(*e)
		}
		if a := userAlerts(u); a.Open() > 0 {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b engine.UserAlerts) int {
		return cmp.Or(cmp.Compare(b.OpenHigh, a.OpenHigh), cmp.Compare(b.OpenMedium, a.OpenMedium),
			cmp.Compare(b.OpenLow, a.OpenLow), strings.Compare(a.UserID, b.UserID))
	})
	return out[:min(n, len(out))], nil
}

func userAlerts(u store.UserCount) engine.UserAlerts {
	return engine.UserAlerts{UserID: u.UserID, UserPrincipalName: u.UserPrincipalName, UserDisplayName: u.UserDisplayName,
		OpenHigh: u.Open[3], OpenMedium: u.Open[2], OpenLow: u.Open[1], Resolved: u.Resolved}
}

// Alert returns one alert by id; the error wraps engine.ErrNotFound when
// there is none (or retention hides it).
func (s *Service) Alert(ctx context.Context, id string) (engine.Alert, error) {
	var a engine.Alert
	err := s.store.View(ctx, func(r store.Reader) error {
		var err error
		a, err = alertByID(ctx, r, s.clock.Now(), id)
		return err
	})
	return a, err
}

func alertByID(ctx context.Context, r store.Reader, now time.Time, id string) (engine.Alert, error) {
	in, err := integration(ctx, r)
	if err != nil {
		return engine.Alert{}, err
	}
	a, found, err := r.AlertByID(ctx, id)
	if err != nil {
		return a, err
	}
	if !found || a.UpdatedAt.Before(retentionCutoff(now, in)) {
		return engine.Alert{}, fmt.Errorf("%w: no alert %q", engine.ErrNotFound, id)
	}
	return a, nil
}

// AlertDetections lists an alert's member detections, newest first, with
// what the engine keeps of each: event type, level, state, activity time,
// IP address, city and country, and the user. Fields it does not keep
// (the Graph id among them) are empty. An alert written before the engine
// kept the detection of a per-detection alert lists none.
func (s *Service) AlertDetections(ctx context.Context, alertID string) ([]engine.Detection, error) {
	var out []engine.Detection
	err := s.store.View(ctx, func(r store.Reader) error {
		a, err := alertByID(ctx, r, s.clock.Now(), alertID)
		if err != nil {
			return err
		}
		members, err := r.Members(ctx, []engine.GroupKey{a.Group})
		if err != nil {
			return err
		}
		out = make([]engine.Detection, 0, len(members[a.Group]))
		for _, m := range members[a.Group] {
			out = append(out, detectionOf(m))
		}
		return nil
	})
	slices.SortFunc(out, func(a, b engine.Detection) int { return b.ActivityDateTime.Compare(a.ActivityDateTime) })
	return out, err
}

func detectionOf(m engine.Member) engine.Detection {
	d := engine.Detection{RiskEventType: m.RiskEventType, RiskLevel: m.RiskLevel, RiskState: m.RiskState,
		IPAddress: m.IPAddress, ActivityDateTime: m.ActivityTime, UserID: m.UserID,
		UserPrincipalName: m.UserPrincipalName, UserDisplayName: m.UserDisplayName}
	if m.City != "" || m.CountryOrRegion != "" {
		d.Location = &engine.Location{City: m.City, CountryOrRegion: m.CountryOrRegion}
	}
	return d
}

// RemediationLog returns a page of the audit log, newest first.
func (s *Service) RemediationLog(ctx context.Context, q engine.AuditLogQuery) (engine.AuditLogPage, error) {
	var page engine.AuditLogPage
	err := s.store.View(ctx, func(r store.Reader) error {
		var err error
		page, err = r.AuditLog(ctx, q)
		return err
	})
	return page, err
}

// UserPage returns a page of the users at risk, the latest remediated
// first, with the actions enforced on them given today's settings.
func (s *Service) UserPage(ctx context.Context, offset, limit int) (engine.UserPage, error) {
	page := engine.UserPage{Users: []engine.User{}}
	err := s.store.View(ctx, func(r store.Reader) error {
		in, err := integration(ctx, r)
		if err != nil {
			return err
		}
		risks, total, err := r.UserRisksByRecency(ctx, offset, limit)
		if err != nil {
			return err
		}
		page.Total = total
		ids := make([]string, len(risks))
		for i, u := range risks {
			ids[i] = u.UserID
		}
		managed, err := r.ManagedUsers(ctx, ids)
		if err != nil {
			return err
		}
		for _, u := range risks {
			page.Users = append(page.Users, remediate.User(u, in.Actions, managed[u.UserID]))
		}
		return nil
	})
	return page, err
}

// UserDetail returns what the engine knows of one user; the error wraps
// engine.ErrNotFound when it knows nothing (no alert, no remediation).
func (s *Service) UserDetail(ctx context.Context, userID string) (engine.UserDetail, error) {
	var d engine.UserDetail
	err := s.store.View(ctx, func(r store.Reader) error {
		in, err := integration(ctx, r)
		if err != nil {
			return err
		}
		risks, err := r.UserRisks(ctx, []string{userID})
		if err != nil {
			return err
		}
		counts, counted, err := r.AlertUser(ctx, userID)
		if err != nil {
			return err
		}
		risk, remediated := risks[userID]
		if !remediated && !counted {
			return fmt.Errorf("%w: no alert or remediation of user %q", engine.ErrNotFound, userID)
		}
		managed, err := r.ManagedUsers(ctx, []string{userID})
		if err != nil {
			return err
		}
		expired, err := r.ExpiredAlertCounts(ctx, retentionCutoff(s.clock.Now(), in))
		if err != nil {
			return err
		}
		if e := expired.Users[userID]; e != nil {
			counts = counts.Minus(*e)
		}
		d.Alerts = userAlerts(counts)
		d.UserDisplayName = counts.UserDisplayName
		d.Remediated = remediated
		if remediated {
			d.User = remediate.User(risk, in.Actions, managed[userID])
		} else {
			d.User = engine.User{UserID: userID, UserPrincipalName: counts.UserPrincipalName, ManagedDevice: managed[userID], Actions: []string{}}
		}
		if d.UserPrincipalName == "" {
			d.UserPrincipalName = counts.UserPrincipalName
		}
		return nil
	})
	return d, err
}

// QuarantinePage returns a page of the quarantine, oldest first, each
// entry's text cut to previewBytes, and how many entries there are.
func (s *Service) QuarantinePage(ctx context.Context, offset, limit, previewBytes int) (engine.QuarantinePage, error) {
	return s.Quarantine(ctx, engine.QuarantineQuery{Offset: offset, Limit: limit, RawLimit: previewBytes, Count: true})
}
