package service

import (
	"context"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

// Retention: alerts whose updated_at, and quarantine entries whose
// quarantined_at, are older than the integration's retention_days on the
// engine clock are hidden from every read at once (retentionCutoff) and
// purged by the next ingest or sync (PurgeExpired), whether or not the
// integration is enabled.

// PurgeExpired deletes what retention no longer keeps: the alerts whose
// updated_at, and the quarantine entries whose quarantined_at, is older
// than retention_days on the engine clock. It runs whether or not the
// integration is enabled.
func (s *Service) PurgeExpired(ctx context.Context) (int64, error) {
	var alerts, entries int64
	err := s.store.Update(ctx, func(tx store.Tx) error {
		in, err := integration(ctx, tx)
		if err != nil {
			return err
		}
		cutoff := retentionCutoff(s.clock.Now(), in)
		var purged store.AlertCounts
		if alerts, err = tx.PurgeAlerts(ctx, cutoff, &purged); err != nil {
			return err
		}
		var change store.AlertCounts
		change.Merge(purged, -1)
		if err := tx.AddAlertCounts(ctx, change); err != nil {
			return err
		}
		entries, err = tx.PurgeQuarantine(ctx, cutoff)
		return err
	})
	if err == nil && alerts+entries > 0 {
		s.log.Named("retention").Info("retention purged alerts and quarantine entries", "alerts", alerts, "quarantine_entries", entries)
	}
	return alerts, err
}

func retentionCutoff(now time.Time, in engine.Integration) time.Time {
	return now.Add(-time.Duration(in.RetentionDays) * 24 * time.Hour)
}
