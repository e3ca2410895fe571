package server

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

// The listings answer a page at a time, so that no request makes the
// server hold, or send, a whole table: users and remediations by limit and
// offset, the quarantine by limit and the last ID read (its entries can be
// large and many, and paging by ID costs the same on every page). A
// listed quarantine entry carries at most MaxListedRawBytes of its text;
// GET /v1/quarantine/{id}/raw streams the whole of it.
const (
	MaxQuarantinePage = 100
	MaxListedRawBytes = 64 << 10
)

// Query parameters of the listings.
const paramAfter = "after"

// PageValues encodes a page as query parameters; limit 0 is left out (a
// full page).
func PageValues(p engine.Page) url.Values {
	v := url.Values{}
	if p.Limit != 0 {
		v.Set(paramLimit, strconv.Itoa(p.Limit))
	}
	if p.Offset != 0 {
		v.Set(paramOffset, strconv.Itoa(p.Offset))
	}
	return v
}

// ParsePage reads limit and offset, refusing anything else; limit 0 is a
// full page of MaxPage.
func ParsePage(v url.Values) (engine.Page, error) {
	var p engine.Page
	err := eachParam(v, func(name, value string) (err error) {
		switch name {
		case paramLimit:
			p.Limit, err = pageLimit(value, MaxPage)
		case paramOffset:
			p.Offset, err = positiveInt(name, value)
		default:
			err = fmt.Errorf("%w: unknown query parameter %q", engine.ErrInvalid, name)
		}
		return err
	})
	if p.Limit == 0 {
		p.Limit = MaxPage
	}
	return p, err
}

// QuarantineValues encodes a quarantine query as query parameters.
func QuarantineValues(q engine.QuarantineQuery) url.Values {
	v := url.Values{}
	if q.Limit != 0 {
		v.Set(paramLimit, strconv.Itoa(q.Limit))
	}
	if q.After != 0 {
		v.Set(paramAfter, strconv.FormatInt(q.After, 10))
	}
	return v
}

// ParseQuarantineQuery reads after and limit; limit 0 is a full page of
// MaxQuarantinePage, and each text is cut at MaxListedRawBytes. The total
// is counted on the first page only (no after): counting scans the
// quarantine, and a client reading every page would pay it on each.
func ParseQuarantineQuery(v url.Values) (engine.QuarantineQuery, error) {
	q := engine.QuarantineQuery{RawLimit: MaxListedRawBytes}
	err := eachParam(v, func(name, value string) (err error) {
		switch name {
		case paramLimit:
			q.Limit, err = pageLimit(value, MaxQuarantinePage)
		case paramAfter:
			q.After, err = strconv.ParseInt(value, 10, 64)
			if err != nil || q.After < 0 {
				err = fmt.Errorf("%w: after must be the ID of an entry, 0 or more, not %q", engine.ErrInvalid, value)
			}
		default:
			err = fmt.Errorf("%w: unknown query parameter %q", engine.ErrInvalid, name)
		}
		return err
	})
	if q.Limit == 0 {
		q.Limit = MaxQuarantinePage
	}
	q.Count = q.After == 0
	return q, err
}

// eachParam hands each query parameter to fn, refusing one given twice.
func eachParam(v url.Values, fn func(name, value string) error) error {
	for name, values := range v {
		if len(values) != 1 {
			return fmt.Errorf("%w: query parameter %s is given %d times", engine.ErrInvalid, name, len(values))
		}
		if err := fn(name, values[0]); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) users(w http.ResponseWriter, r *http.Request) {
	page, err := ParsePage(r.URL.Query())
	if err != nil {
		s.fail(w, r, errBadRequest{err})
		return
	}
	us, err := s.svc.Users(r.Context(), page)
	s.answer(w, r, http.StatusOK, us, err)
}

func (s *Server) remediations(w http.ResponseWriter, r *http.Request) {
	page, err := ParsePage(r.URL.Query())
	if err != nil {
		s.fail(w, r, errBadRequest{err})
		return
	}
	rs, err := s.svc.Remediations(r.Context(), page)
	s.answer(w, r, http.StatusOK, rs, err)
}

func (s *Server) quarantine(w http.ResponseWriter, r *http.Request) {
	q, err := ParseQuarantineQuery(r.URL.Query())
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
