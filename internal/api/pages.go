package api

import (
	"fmt"
	"net/url"
	"strconv"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

// The listings answer a page at a time, so that no request makes the
// server hold, or send, a whole table: alerts, users and remediations by
// limit and offset, at most MaxPage rows a request; the quarantine by
// limit and the last ID read (its entries can be large and many, and
// paging by ID costs the same on every page), at most MaxQuarantinePage
// entries, each with at most MaxListedRawBytes of its text (GET
// /v1/quarantine/{id}/raw streams the whole of it). Clients read further
// pages until they have what they asked for.
const (
	MaxPage           = 1000
	MaxQuarantinePage = 100
	MaxListedRawBytes = 64 << 10
)

// Query parameters shared by the listings.
const (
	paramLimit  = "limit"
	paramOffset = "offset"
	paramAfter  = "after"
)

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

// positiveInt parses a non-negative integer query parameter.
func positiveInt(name, v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%w: %s must be a whole number, 0 or more, not %q", engine.ErrInvalid, name, v)
	}
	return n, nil
}

// pageLimit parses a limit parameter: 0 (a full page) to max.
func pageLimit(v string, max int) (int, error) {
	n, err := positiveInt(paramLimit, v)
	if err == nil && n > max {
		err = fmt.Errorf("%w: limit is at most %d a page, not %d: read further pages with offset", engine.ErrInvalid, max, n)
	}
	return n, err
}
