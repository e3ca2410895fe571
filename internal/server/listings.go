package server

import (
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/idp/terraform-provider-idp/internal/api"
	"github.com/idp/terraform-provider-idp/internal/engine"
)

func (s *Server) users(w http.ResponseWriter, r *http.Request) {
	page, err := api.ParsePage(r.URL.Query())
	if err != nil {
		s.fail(w, r, errBadRequest{err})
		return
	}
	us, err := s.svc.Users(r.Context(), page)
	s.answer(w, r, http.StatusOK, us, err)
}

func (s *Server) remediations(w http.ResponseWriter, r *http.Request) {
	page, err := api.ParsePage(r.URL.Query())
	if err != nil {
		s.fail(w, r, errBadRequest{err})
		return
	}
	rs, err := s.svc.Remediations(r.Context(), page)
	s.answer(w, r, http.StatusOK, rs, err)
}

func (s *Server) quarantine(w http.ResponseWriter, r *http.Request) {
	q, err := api.ParseQuarantineQuery(r.URL.Query())
	if err != nil {
		s.fail(w, r, errBadRequest{err})
		return
	}
	qs, err := s.svc.Quarantine(r.Context(), q)
	s.answer(w, r, http.StatusOK, qs, err)
}

// quarantineText streams one entry's whole text, a part at a time, with
// its length announced so that a client can tell a text cut short.
func (s *Server) quarantineText(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(w, r, errBadRequest{fmt.Errorf("%w: %q is not the ID of a quarantine entry", engine.ErrInvalid, r.PathValue("id"))})
		return
	}
	// A text of hundreds of megabytes takes longer than a settings call.
	longRunning(w)
	started := false
	err = s.svc.QuarantineText(r.Context(), id, func(e engine.QuarantineEntry) (io.Writer, error) {
		started = true
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.FormatInt(e.Size, 10))
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		return w, nil
	})
	if err == nil {
		return
	}
	if !started {
		s.fail(w, r, err)
		return
	}
	// The answer is under way: the short body tells the client.
	s.httpLog.Error("streaming a quarantined text failed", "id", id, "error", err)
}
