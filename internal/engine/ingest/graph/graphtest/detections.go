package graphtest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// listDetections is GET /v1.0/identityProtection/riskDetections with
// $filter=lastUpdatedDateTime gt|ge <time> and $top (1..500, default 20).
func (s *Server) listDetections(w http.ResponseWriter, r *http.Request) {
	s.servePage(w, r, func() ([]json.RawMessage, int, bool) {
		q := r.URL.Query()
		top := DefaultTop
		if v := q.Get("$top"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > MaxTop {
				graphError(w, http.StatusBadRequest, "BadRequest", "Invalid $top value '"+v+"': it must be between 1 and 500.")
				return nil, 0, false
			}
			top = n
		}
		match := func(time.Time) bool { return true }
		if f := q.Get("$filter"); f != "" {
			var ok bool
			if match, ok = parseFilter(f); !ok {
				graphError(w, http.StatusBadRequest, "BadRequest", "Invalid filter clause: "+f)
				return nil, 0, false
			}
		}
		var out []json.RawMessage
		for _, rec := range s.detections.sorted(s.behavior.Unordered) {
			if match(rec.updated) {
				out = append(out, rec.raw)
			}
		}
		return out, top, true
	})
}

// parseFilter reads "lastUpdatedDateTime gt|ge <DateTimeOffset>", the one
// filter the pull sends. Records without a lastUpdatedDateTime match none.
func parseFilter(f string) (func(time.Time) bool, bool) {
	parts := strings.Fields(f)
	if len(parts) != 3 || parts[0] != "lastUpdatedDateTime" {
		return nil, false
	}
	t, err := time.Parse(time.RFC3339Nano, strings.Trim(parts[2], "'"))
	if err != nil {
		return nil, false
	}
	switch parts[1] {
	case "gt":
		return func(u time.Time) bool { return !u.IsZero() && u.After(t) }, true
	case "ge":
		return func(u time.Time) bool { return !u.IsZero() && !u.Before(t) }, true
	}
	return nil, false
}
