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

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

// Sync processes what the integration's configured source holds beyond its
// cursors: devices first, so that remediation sees the device state that
// came with the detections, then detections; a graph source with writeback
// then tells Identity Protection about the users remediated
// (graph_writeback.go), whose outcome SyncDetailed reports.
func (s *Service) Sync(ctx context.Context) (engine.IngestSummary, error) {
	sum, err := s.SyncDetailed(ctx)
	return sum.Ingest, err
}

// SyncDetailed is Sync, reporting the write-back too.
func (s *Service) SyncDetailed(ctx context.Context) (engine.SyncSummary, error) {
	var out engine.SyncSummary
	if err := s.checkEnabled(ctx); err != nil {
		return out, err
	}
	in, err := s.Integration(ctx)
	if err != nil || in.Source == nil {
		return out, err
	}
	switch {
	case in.Source.File != nil:
		for _, path := range in.Source.File.Devices {
			sum, err := s.syncFile(ctx, "devices", path)
			out.Ingest.Add(sum)
			if err != nil {
				return out, err
			}
		}
		for _, path := range in.Source.File.Detections {
			sum, err := s.syncFile(ctx, "detections", path)
			out.Ingest.Add(sum)
			if err != nil {
				return out, err
			}
		}
	case in.Source.Graph != nil:
		return s.syncGraph(ctx, *in.Source.Graph)
	}
	return out, nil
}

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
	f, err := os.Open(abs)
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
