package service

import (
	"context"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/remediate"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

// Alerts answers a query over the alerts retention still keeps.
func (s *Service) Alerts(ctx context.Context, q engine.AlertQuery) (engine.AlertPage, error) {
	var page engine.AlertPage
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

// Users lists the users remediation set to high risk, with the actions
// enforced on them given today's settings and devices.
func (s *Service) Users(ctx context.Context) ([]engine.User, error) {
	var out []engine.User
	err := s.store.View(ctx, func(r store.Reader) error {
		in, err := integration(ctx, r)
		if err != nil {
			return err
		}
		risks, err := r.UserRisks(ctx, nil)
		if err != nil {
			return err
		}
		ids := make([]string, 0, len(risks))
		for id := range risks {
			ids = append(ids, id)
		}
		managed, err := r.ManagedUsers(ctx, ids)
		if err != nil {
			return err
		}
		out = remediate.Users(risks, in.Actions, managed)
		return nil
	})
	return out, err
}

// Remediations returns the audit log, oldest first.
func (s *Service) Remediations(ctx context.Context) ([]engine.Remediation, error) {
	var out []engine.Remediation
	err := s.store.View(ctx, func(r store.Reader) error {
		var err error
		out, err = r.Remediations(ctx)
		return err
	})
	return out, err
}

// Quarantine returns the quarantined records, oldest first.
func (s *Service) Quarantine(ctx context.Context) ([]engine.QuarantineEntry, error) {
	var out []engine.QuarantineEntry
	err := s.store.View(ctx, func(r store.Reader) error {
		var err error
		out, err = r.Quarantine(ctx)
		return err
	})
	return out, err
}

// PurgeExpired deletes the alerts retention no longer keeps: those whose
// updated_at is older than retention_days on the engine clock. It runs
// whether or not the integration is enabled.
func (s *Service) PurgeExpired(ctx context.Context) (int64, error) {
	var n int64
	err := s.store.Update(ctx, func(tx store.Tx) error {
		in, err := integration(ctx, tx)
		if err != nil {
			return err
		}
		var purged store.AlertCounts
		if n, err = tx.PurgeAlerts(ctx, retentionCutoff(s.clock.Now(), in), &purged); err != nil {
			return err
		}
		var change store.AlertCounts
		change.Merge(purged, -1)
		return tx.AddAlertCounts(ctx, change)
	})
	if n > 0 {
		s.log.Named("retention").Info("retention purged alerts", "alerts", n)
	}
	return n, err
}

func retentionCutoff(now time.Time, in engine.Integration) time.Time {
	return now.Add(-time.Duration(in.RetentionDays) * 24 * time.Hour)
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
