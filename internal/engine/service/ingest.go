package service

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest"
	"github.com/idp/terraform-provider-idp/internal/engine/policy"
	"github.com/idp/terraform-provider-idp/internal/engine/source"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

// IngestOptions are per-call settings of an ingest.
type IngestOptions struct {
	// Source names the input in the quarantine ("-" for stdin).
	Source string
	// Progress, when set, is called after each committed transaction with
	// the running totals.
	Progress func(engine.IngestSummary)

	// cursor, when set, names the source's cursor: cursorAt(offset) is
	// stored with every transaction, and reading starts at startOffset.
	cursor      string
	cursorAt    func(safe int64) string
	startOffset int64
}

// unit is one transaction's worth of records, gathered in memory and then
// applied in one store transaction.
type unit[T any] interface {
	source.Unit[T]
	commit(ctx context.Context, tx store.Tx, in engine.Integration) (engine.IngestSummary, error)
}

// maxUnitRawBytes bounds the quarantined text one transaction holds.
const maxUnitRawBytes = 32 << 20

// IngestDetections reads Graph riskDetection records (NDJSON or Graph pages)
// from r and processes them.
//
// The policies in effect when the ingest starts decide for all of its
// records: a policy changed meanwhile applies from the next ingest.
func (s *Service) IngestDetections(ctx context.Context, r io.Reader, opts IngestOptions) (engine.IngestSummary, error) {
	policies, err := s.currentPolicies(ctx)
	if err != nil {
		return engine.IngestSummary{}, err
	}
	return ingestRun(ctx, s, r, opts, true, ingest.NewDetectionDecoder, func() *detectionUnit {
		return s.newDetectionUnit(opts.Source, policies)
	})
}

// currentPolicies compiles the policies in effect now, for an ingest to
// apply to all of its records.
func (s *Service) currentPolicies(ctx context.Context) ([]*policy.Compiled, error) {
	var policies []*policy.Compiled
	err := s.store.View(ctx, func(rd store.Reader) error {
		var err error
		policies, err = compiledPolicies(ctx, rd)
		return err
	})
	return policies, err
}

// IngestDevices reads Graph managedDevice records from r.
func (s *Service) IngestDevices(ctx context.Context, r io.Reader, opts IngestOptions) (engine.IngestSummary, error) {
	return ingestRun(ctx, s, r, opts, false, ingest.NewDeviceDecoder, func() *deviceUnit {
		return s.newDeviceUnit(opts.Source)
	})
}

// ingestRun streams r through the one ordered-commit pipeline
// (source.Run) in units of TxRecords records; keep packs the accepted
// records' text for the store to keep (ingest.Options.KeepRecords).
func ingestRun[T any, U unit[T]](ctx context.Context, s *Service, r io.Reader, opts IngestOptions, keep bool,
	newDecoder func() ingest.Decoder[T], newUnit func() U) (engine.IngestSummary, error) {
	start := time.Now()
	if err := s.checkEnabled(ctx); err != nil {
		return engine.IngestSummary{}, err
	}
	src := source.Stream[T]{R: r, NewDecoder: newDecoder, CursorAt: opts.cursorAt,
		Options: ingest.Options{MaxRecordBytes: s.cfg.MaxRecordBytes, MaxKeptBytes: s.cfg.MaxKeptRecordBytes, StartOffset: opts.startOffset,
			KeepRecords: keep}}
	total, err := runSource(ctx, s, src, newUnit, opts.cursor, opts.Progress)
	total.ElapsedSeconds = time.Since(start).Seconds()
	if err != nil {
		return total, err
	}
	s.log.Named("ingest").Info("ingest finished", "source", opts.Source, "read", total.Read, "accepted", total.Accepted,
		"updated", total.Updated, "duplicates", total.Duplicates, "quarantined", total.Quarantined,
		"alerts_created", total.AlertsCreated, "alerts_updated", total.AlertsUpdated,
		"users_remediated", total.UsersRemediated, "seconds", total.ElapsedSeconds)
	return total, nil
}

// runSource commits what src reads, in units, each with the cursor named
// cursorName ("" for none) at the position that covers it.
func runSource[T any, U unit[T]](ctx context.Context, s *Service, src source.Source[T], newUnit func() U, cursorName string,
	progress func(engine.IngestSummary)) (engine.IngestSummary, error) {
	commit := func(ctx context.Context, u U, cursor func() string) (engine.IngestSummary, error) {
		if cursorName == "" {
			cursor = nil
		}
		return commitUnit(ctx, s, u, cursorName, cursor)
	}
	return source.Run(ctx, src, newUnit, commit, source.Limits{Records: s.cfg.TxRecords, RawBytes: maxUnitRawBytes}, progress)
}

// commitUnit applies a unit in one transaction together with the source's
// cursor, so that a crash leaves either all of it or none of it.
func commitUnit[T any](ctx context.Context, s *Service, u unit[T], cursorName string, cursor func() string) (engine.IngestSummary, error) {
	var sum engine.IngestSummary
	err := s.store.Update(ctx, func(tx store.Tx) error {
		in, err := integration(ctx, tx)
		if err != nil {
			return err
		}
		if !in.Enabled {
			return errDisabledMidway
		}
		if sum, err = u.commit(ctx, tx, in); err != nil {
			return err
		}
		if cursor != nil {
			return tx.SetCursor(ctx, cursorName, cursor())
		}
		return nil
	})
	return sum, err
}

// checkEnabled refuses to ingest while the integration is disabled. It
// purges expired alerts first: retention runs whether or not ingestion does.
func (s *Service) checkEnabled(ctx context.Context) error {
	if _, err := s.PurgeExpired(ctx); err != nil {
		return err
	}
	in, err := s.Integration(ctx)
	if err != nil {
		return err
	}
	if !in.Enabled {
		return engine.ErrDisabled
	}
	return nil
}

// errDisabledMidway stops an ingest whose integration was disabled while it
// ran: what was committed stays, the rest is not consumed.
var errDisabledMidway = fmt.Errorf("%w (it was disabled during the ingest)", engine.ErrDisabled)
