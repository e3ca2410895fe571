package service

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest"
	"github.com/idp/terraform-provider-idp/internal/engine/policy"
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
	add(ctx context.Context, b ingest.Batch[T])
	records() int
	rawBytes() int64
	commit(ctx context.Context, tx store.Tx, in engine.Integration) (engine.IngestSummary, error)
	// discard releases what the unit holds when it is not committed.
	discard()
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
	return ingestRun(ctx, s, r, opts, ingest.NewDetectionDecoder, func() unit[engine.Detection] {
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
	return ingestRun(ctx, s, r, opts, ingest.NewDeviceDecoder, func() unit[engine.Device] {
		return s.newDeviceUnit(opts.Source)
	})
}

// ingestRun streams r through the decoding pipeline and commits units of
// TxRecords records. Units commit on their own goroutine, so decoding the
// next unit overlaps writing this one; commits stay in input order.
func ingestRun[T any](ctx context.Context, s *Service, r io.Reader, opts IngestOptions,
	newDecoder func() ingest.Decoder[T], newUnit func() unit[T]) (engine.IngestSummary, error) {
	start := time.Now()
	var total engine.IngestSummary
	if err := s.checkEnabled(ctx); err != nil {
		return total, err
	}

	type pending struct {
		u    unit[T]
		safe int64
	}
	commits := make(chan pending)
	commitErr := make(chan error, 1)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		var err error
		for p := range commits {
			if err != nil {
				p.u.discard()
				continue
			}
			var sum engine.IngestSummary
			sum, err = commitUnit(ctx, s, p.u, opts, p.safe)
			if err != nil {
				cancel()
				continue
			}
			total.Add(sum)
			if opts.Progress != nil {
				opts.Progress(total)
			}
		}
		commitErr <- err
	}()

	cur := newUnit()
	var safe int64
	send := func() error {
		select {
		case commits <- pending{u: cur, safe: safe}:
			cur = newUnit()
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	_, runErr := ingest.Run(ctx, r, ingest.Options{MaxRecordBytes: s.cfg.MaxRecordBytes, MaxKeptBytes: s.cfg.MaxKeptRecordBytes,
		StartOffset: opts.startOffset}, newDecoder,
		func(b ingest.Batch[T]) error {
			cur.add(ctx, b)
			safe = b.Safe
			if cur.records() >= s.cfg.TxRecords || cur.rawBytes() >= maxUnitRawBytes {
				return send()
			}
			return nil
		})
	if runErr == nil {
		runErr = send()
	} else {
		cur.discard()
	}
	close(commits)
	err := <-commitErr
	if err == nil && runErr != nil {
		err = runErr
	}
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

// commitUnit applies a unit in one transaction together with the source's
// cursor, so that a crash leaves either all of it or none of it.
func commitUnit[T any](ctx context.Context, s *Service, u unit[T], opts IngestOptions, safe int64) (engine.IngestSummary, error) {
	defer u.discard()
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
		if opts.cursor != "" {
			return tx.SetCursor(ctx, opts.cursor, opts.cursorAt(safe))
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
