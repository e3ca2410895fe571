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
// integration is enabled. Detections' kept texts go with the blocks they
// were stored in, by the time they were stored (store/kept_records.go).

// PurgeExpired deletes what retention no longer keeps: the alerts whose
// updated_at, the quarantine entries whose quarantined_at, and the record
// blocks whose stored_at is older than retention_days on the engine clock.
// It runs whether or not the integration is enabled.
func (s *Service) PurgeExpired(ctx context.Context) (int64, error) {
	var alerts, entries, blocks int64
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
		if entries, err = tx.PurgeQuarantine(ctx, cutoff); err != nil {
			return err
		}
		blocks, err = tx.PurgeRecordBlocks(ctx, cutoff)
		return err
	})
	if err == nil && alerts+entries+blocks > 0 {
		s.log.Named("retention").Info("retention purged alerts, quarantine entries and kept records",
			"alerts", alerts, "quarantine_entries", entries, "record_blocks", blocks)
	}
	return alerts, err
}

func retentionCutoff(now time.Time, in engine.Integration) time.Time {
	return now.Add(-time.Duration(in.RetentionDays) * 24 * time.Hour)
}
