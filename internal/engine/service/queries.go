package service

import (
	"context"
	"fmt"
	"io"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/remediate"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

// Alerts answers a query over the alerts retention still keeps.
func (s *Service) Alerts(ctx context.Context, q engine.AlertQuery) (engine.AlertPage, error) {
	page := engine.AlertPage{Alerts: []engine.Alert{}}
	if err := q.Validate(); err != nil {
		return page, err
	}
	err := s.store.View(ctx, func(r store.Reader) error {
		in, err := integration(ctx, r)
		if err != nil {
			return err
		}
		page, err = r.QueryAlerts(ctx, q, retentionCutoff(s.clock.Now(), in))
		return err
	})
	return page, err
}

// Users lists a page of the users remediation set to high risk, by user
// principal name then user id, with the actions enforced on them given
// today's settings and devices.
func (s *Service) Users(ctx context.Context, page engine.Page) (engine.UserPage, error) {
	out := engine.UserPage{Users: []engine.User{}}
	if err := page.Validate(); err != nil {
		return out, err
	}
	err := s.store.View(ctx, func(r store.Reader) error {
		in, err := integration(ctx, r)
		if err != nil {
			return err
		}
		rows, total, err := r.UserRiskPage(ctx, page)
		if err != nil {
			return err
		}
		risks := make(map[string]engine.UserRisk, len(rows))
		ids := make([]string, 0, len(rows))
		for _, u := range rows {
			risks[u.UserID] = u
			ids = append(ids, u.UserID)
		}
		managed, err := r.ManagedUsers(ctx, ids)
		if err != nil {
			return err
		}
		out = engine.UserPage{Users: remediate.Users(risks, in.Actions, managed), Total: total}
		return nil
	})
	return out, err
}

// Remediations returns a page of the audit log, oldest first.
func (s *Service) Remediations(ctx context.Context, page engine.Page) (engine.RemediationPage, error) {
	out := engine.RemediationPage{Remediations: []engine.Remediation{}}
	if err := page.Validate(); err != nil {
		return out, err
	}
	err := s.store.View(ctx, func(r store.Reader) error {
		rows, total, err := r.Remediations(ctx, page)
		if err == nil {
			out = engine.RemediationPage{Remediations: rows, Total: total}
		}
		return err
	})
	return out, err
}

// Quarantine returns a page of the quarantined records, oldest first, each
// with at most q.RawLimit bytes of its text (QuarantineText has all of it).
func (s *Service) Quarantine(ctx context.Context, q engine.QuarantineQuery) (engine.QuarantinePage, error) {
	out := engine.QuarantinePage{Entries: []engine.QuarantineEntry{}}
	if err := q.Validate(); err != nil {
		return out, err
	}
	err := s.store.View(ctx, func(r store.Reader) error {
		var err error
		out, err = r.Quarantine(ctx, q)
		return err
	})
	return out, err
}

// QuarantineText writes the whole text of quarantine entry id, a part at a
// time, to the writer open returns once it knows the entry (its size, for
// a Content-Length); engine.ErrNotFound when there is no such entry.
func (s *Service) QuarantineText(ctx context.Context, id int64, open func(engine.QuarantineEntry) (io.Writer, error)) error {
	return s.store.View(ctx, func(r store.Reader) error {
		page, err := r.Quarantine(ctx, engine.QuarantineQuery{After: id - 1, Limit: 1, RawLimit: 1})
		if err != nil {
			return err
		}
		if len(page.Entries) == 0 || page.Entries[0].ID != id {
			return fmt.Errorf("quarantine entry %d: %w", id, engine.ErrNotFound)
		}
		e := page.Entries[0]
		e.Raw, e.RawTruncated = "", e.Size > 0
		w, err := open(e)
		if err != nil {
			return err
		}
		_, err = r.QuarantineText(ctx, id, w)
		return err
	})
}

// Status says when the configured source was last processed and whether
// the store was ever configured. It only reads.
func (s *Service) Status(ctx context.Context) (engine.Status, error) {
	var st engine.Status
	err := s.store.View(ctx, func(r store.Reader) error {
		var err error
		if st.LastSync, err = r.LastSync(ctx); err != nil {
			return err
		}
		if st.Claimed, err = r.Claims(ctx); err != nil {
			return err
		}
		_, integrationSet, err := r.Integration(ctx)
		if err != nil {
			return err
		}
		policies, err := r.Policies(ctx)
		if err != nil {
			return err
		}
		st.Configured = integrationSet || len(policies) > 0 || len(st.Claimed) > 0
		return nil
	})
	if st.Claimed == nil {
		st.Claimed = []string{}
	}
	return st, err
}
