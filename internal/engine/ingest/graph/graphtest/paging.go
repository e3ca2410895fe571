package graphtest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// maxSnapshots bounds the paging snapshots kept; older continuation tokens
// then expire, as Graph's do.
const maxSnapshots = 256

// Paging works on a snapshot taken by a listing's first request: its
// $skiptoken names the snapshot, the offset and the page number, so a
// listing is consistent however the data changes meanwhile, and a nextLink
// asked for twice gives the same page twice.
type skiptoken struct {
	Snap   string `json:"s"`
	Offset int    `json:"o"`
	Page   int    `json:"p"`
	Top    int    `json:"t"`
}

func (t skiptoken) String() string {
	b, _ := json.Marshal(t)
	return base64.RawURLEncoding.EncodeToString(b)
}

func parseSkiptoken(s string) (skiptoken, bool) {
	var t skiptoken
	b, err := base64.RawURLEncoding.DecodeString(s)
	return t, err == nil && json.Unmarshal(b, &t) == nil && t.Offset >= 0 && t.Top > 0
}

// snapshot registers the records of a new listing.
func (s *Server) snapshot(records []json.RawMessage) string {
	s.snapSeq++
	id := strconv.Itoa(s.snapSeq)
	s.snapshots[id] = records
	s.snapOrder = append(s.snapOrder, id)
	if len(s.snapOrder) > maxSnapshots {
		delete(s.snapshots, s.snapOrder[0])
		s.snapOrder = s.snapOrder[1:]
	}
	return id
}

// servePage answers one page of a listing. first builds the snapshot of a
// listing's first request (or fails with a Graph error already written).
func (s *Server) servePage(w http.ResponseWriter, r *http.Request, first func() ([]json.RawMessage, int, bool)) {
	q := r.URL.Query()
	var tok skiptoken
	if st := q.Get("$skiptoken"); st != "" {
		var ok bool
		tok, ok = parseSkiptoken(st)
		if _, known := s.snapshots[tok.Snap]; !ok || !known {
			s.stats.StaleTokens++
			graphError(w, http.StatusBadRequest, "BadRequest", "The $skiptoken is invalid or has expired.")
			return
		}
	} else {
		records, top, ok := first()
		if !ok {
			return
		}
		tok = skiptoken{Snap: s.snapshot(records), Top: top}
	}
	snap := s.snapshots[tok.Snap]
	var items []json.RawMessage
	next := tok
	next.Page++
	if n := s.behavior.EmptyPageEvery; n > 0 && (tok.Page+1)%n == 0 {
		items = []json.RawMessage{} // an empty page; the next one resumes here
	} else {
		end := min(tok.Offset+tok.Top, len(snap))
		items = snap[min(tok.Offset, end):end]
		next.Offset = end
	}
	body := map[string]any{
		"@odata.context": s.URL + "/v1.0/$metadata#" + strings.TrimPrefix(r.URL.Path, "/v1.0/"),
		"value":          items,
	}
	// Like services that cannot tell a full last page from a middle one, a
	// full page always has a nextLink: a listing may end on an empty page.
	if next.Offset < len(snap) || len(items) == tok.Top {
		q.Set("$skiptoken", next.String())
		body["@odata.nextLink"] = s.URL + r.URL.Path + "?" + encodeQuery(q)
	}
	s.stats.Pages++
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(body); err != nil {
		panic(fmt.Sprintf("graphtest: %v", err)) // stored records are valid JSON
	}
}

// encodeQuery writes spaces as %20, as Graph's nextLinks do.
func encodeQuery(q url.Values) string {
	return strings.ReplaceAll(q.Encode(), "+", "%20")
}
