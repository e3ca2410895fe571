package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

// Sync processes what the integration's configured source holds beyond its
// cursors: devices first, so that remediation sees the device state that
// came with the detections, then detections; a graph source with writeback
// then tells Identity Protection about the users remediated
// (remediate/writeback.go), whose outcome SyncDetailed reports.
func (s *Service) Sync(ctx context.Context) (engine.IngestSummary, error) {
	sum, err := s.SyncDetailed(ctx)
	return sum.Ingest, err
}

// SyncDetailed is Sync, reporting the write-back too. A sync that runs
// (the integration is enabled and has a source) is recorded, success or
// failure, as the store's last sync, which Status and the alert readers
// show so that a reader can tell how fresh an answer is.
func (s *Service) SyncDetailed(ctx context.Context) (engine.SyncSummary, error) {
	select {
	case s.syncing <- struct{}{}:
		defer func() { <-s.syncing }()
	case <-ctx.Done():
		return engine.SyncSummary{}, ctx.Err()
	}
	if err := s.checkEnabled(ctx); err != nil {
		return engine.SyncSummary{}, err
	}
	in, err := s.storedIntegration(ctx)
	if err != nil || in.Source == nil {
		return engine.SyncSummary{}, err
	}
	start, wall := s.clock.Now(), time.Now()
	out, err := s.syncSource(ctx, *in.Source)
	out.Ingest.ElapsedSeconds = time.Since(wall).Seconds()
	s.recordSync(ctx, engine.SyncRun{StartedAt: start, FinishedAt: s.clock.Now(), Summary: out}, err)
	return out, err
}

func (s *Service) syncSource(ctx context.Context, src engine.Source) (engine.SyncSummary, error) {
	var out engine.SyncSummary
	switch {
	case src.File != nil:
		for _, path := range src.File.Devices {
			sum, err := s.syncFile(ctx, "devices", path)
			out.Ingest.Add(sum)
			if err != nil {
				return out, err
			}
		}
		for _, path := range src.File.Detections {
			sum, err := s.syncFile(ctx, "detections", path)
			out.Ingest.Add(sum)
			if err != nil {
				return out, err
			}
		}
	case src.Graph != nil:
		return s.syncGraph(ctx, *src.Graph)
	}
	return out, nil
}

// recordSync stores a finished sync. It runs even when the sync was
// cancelled (shutdown, a client gone), with a short deadline of its own,
// so that a failed sync shows as failed; a record that cannot be written
// is logged and does not change the sync's own outcome.
func (s *Service) recordSync(ctx context.Context, run engine.SyncRun, syncErr error) {
	if syncErr != nil {
		run.Error = syncErr.Error()
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	err := s.store.Update(ctx, func(tx store.Tx) error { return tx.PutLastSync(ctx, run) })
	if err != nil {
		s.log.Warn("could not record the sync's outcome", "error", err)
	}
}

const recordTimeout = 10 * time.Second

// fileCursor is where a file source was read up to. The prefix fingerprint
// tells a file that grew (read on from the offset) from one that was
// replaced (read again from the start; dedup absorbs what was seen).
type fileCursor struct {
	Offset    int64  `json:"offset"`
	PrefixLen int64  `json:"prefix_len"`
	PrefixSHA string `json:"prefix_sha256"`
}

const fingerprintBytes = 4096

func (s *Service) syncFile(ctx context.Context, kind, path string) (engine.IngestSummary, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return engine.IngestSummary{}, err
	}
	name := "file:" + kind + ":" + abs
	// Open applies the path rules again: the file may have turned into a
	// link, or a FIFO, since the integration was written.
	f, err := s.cfg.FileSources.Open(path)
	if err != nil {
		return engine.IngestSummary{}, fmt.Errorf("reading the %s source: %w", kind, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return engine.IngestSummary{}, err
	}
	size := info.Size()
	prefix, err := fingerprint(f, min(fingerprintBytes, size))
	if err != nil {
		return engine.IngestSummary{}, err
	}

	var stored fileCursor
	err = s.store.View(ctx, func(r store.Reader) error {
		raw, err := r.Cursor(ctx, name)
		if err != nil || raw == "" {
			return err
		}
		return json.Unmarshal([]byte(raw), &stored)
	})
	if err != nil {
		return engine.IngestSummary{}, fmt.Errorf("reading the cursor of %s: %w", abs, err)
	}
	start := int64(0)
	if stored.Offset > 0 && stored.Offset <= size {
		same, err := samePrefix(f, stored)
		if err != nil {
			return engine.IngestSummary{}, err
		}
		if same {
			start = stored.Offset
		}
	}
	if start == size {
		return engine.IngestSummary{}, nil
	}
	if _, err := f.Seek(start, io.SeekStart); err != nil {
		return engine.IngestSummary{}, err
	}
	opts := IngestOptions{
		Source:      abs,
		cursor:      name,
		startOffset: start,
		cursorAt: func(safe int64) string {
			b, _ := json.Marshal(fileCursor{Offset: safe, PrefixLen: min(fingerprintBytes, size), PrefixSHA: prefix})
			return string(b)
		},
	}
	// Read only what was there when the sync began, so a writer appending
	// meanwhile does not hand us half a line.
	r := io.LimitReader(f, size-start)
	if kind == "devices" {
		return s.IngestDevices(ctx, r, opts)
	}
	return s.IngestDetections(ctx, r, opts)
}

func fingerprint(f *os.File, n int64) (string, error) {
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, n)); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func samePrefix(f *os.File, c fileCursor) (bool, error) {
	got, err := fingerprint(f, c.PrefixLen)
	if errors.Is(err, io.EOF) {
		return false, nil
	}
	return got == c.PrefixSHA, err
}
