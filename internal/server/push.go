package server

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
	"unicode"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/service"
	"github.com/idp/terraform-provider-idp/internal/engine/tempfile"
)

// memoryBody is how much of a pushed body is held in memory; beyond it the
// body goes to a temporary file as it arrives.
const memoryBody = 1 << 20

// push serves POST /v1/detections and /v1/devices. The body is received in
// full (and its size checked) before anything is ingested: a body over the
// limit gets 413 and leaves no trace, and a client that disconnects
// half-way ingests nothing. Then the batch is ingested under the server's
// work context, not the request's: once received, it is processed to the
// end (or rolled back at a hard stop) even if the client goes away.
func (s *Server) push(typ string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		source := r.URL.Query().Get("source")
		if source == "" {
			source = "push"
		}
		if err := validSource(source); err != nil {
			s.fail(w, r, errBadRequest{err})
			return
		}
		longRunning(w)
		body, err := s.receive(w, r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		defer func() { _ = body.Close() }()
		opts := service.IngestOptions{Source: source}
		start := time.Now()
		var sum engine.IngestSummary
		if typ == "devices" {
			sum, err = s.svc.IngestDevices(s.work, body, opts)
		} else {
			sum, err = s.svc.IngestDetections(s.work, body, opts)
		}
		s.metrics.ingested(typ, "push", sum, time.Since(start), err)
		s.answer(w, r, http.StatusOK, sum, err)
	}
}

func validSource(source string) error {
	if len(source) > 256 {
		return fmt.Errorf("%w: source is longer than 256 bytes", engine.ErrInvalid)
	}
	for _, c := range source {
		if !unicode.IsPrint(c) {
			return fmt.Errorf("%w: source holds a non-printable character", engine.ErrInvalid)
		}
	}
	return nil
}

// body is a received push: in memory or in a temporary file that is
// unlinked as soon as it is created, so that a push cut short, or a server
// killed with kill -9, leaves nothing behind: the open descriptor alone
// keeps the file until Close.
type body struct {
	io.Reader
	file *os.File
}

func (b *body) Close() error {
	if b.file == nil {
		return nil
	}
	return b.file.Close()
}

// spoolFile creates the nameless temporary file of a large body.
func spoolFile(dir string) (*os.File, error) {
	return tempfile.Unlinked(dir, "idp-push-*")
}

// receive reads the whole body, up to MaxBodyBytes.
func (s *Server) receive(w http.ResponseWriter, r *http.Request) (*body, error) {
	limit := s.cfg.MaxBodyBytes
	if r.ContentLength > limit {
		// Refuse before reading a byte; close the connection rather than
		// drain what the client still sends.
		w.Header().Set("Connection", "close")
		return nil, fmt.Errorf("%w (%d bytes, the limit is %d)", errTooLarge, r.ContentLength, limit)
	}
	in := http.MaxBytesReader(w, r.Body, limit)
	tooLarge := func(err error) error {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return fmt.Errorf("%w (the limit is %d bytes)", errTooLarge, limit)
		}
		return errBadRequest{fmt.Errorf("%w: reading the request body: %w", engine.ErrInvalid, err)}
	}
	// io.ReadAll tells the body's end (nil) from a body cut short
	// (io.ErrUnexpectedEOF from the connection): only a whole body is
	// ingested.
	head, err := io.ReadAll(io.LimitReader(in, memoryBody+1))
	if err != nil {
		return nil, tooLarge(err)
	}
	if len(head) <= memoryBody {
		return &body{Reader: bytes.NewReader(head)}, nil
	}
	f, err := spoolFile(s.cfg.TempDir)
	if err != nil {
		return nil, fmt.Errorf("spooling the request body: %w", err)
	}
	b := &body{file: f}
	if _, err := f.Write(head); err != nil {
		_ = b.Close()
		return nil, fmt.Errorf("spooling the request body: %w", err)
	}
	if _, err := io.Copy(f, in); err != nil {
		_ = b.Close()
		var pathErr *os.PathError
		if errors.As(err, &pathErr) {
			return nil, fmt.Errorf("spooling the request body: %w", err)
		}
		return nil, tooLarge(err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		_ = b.Close()
		return nil, err
	}
	b.Reader = f
	return b, nil
}
