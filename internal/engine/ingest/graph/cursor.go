package graph

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

// The detections cursor.
//
// riskDetections documents $filter, $select and $top only: no $orderby, so
// pages come in no promised order of lastUpdatedDateTime. A cursor that
// were just "the newest lastUpdatedDateTime committed" would lose records
// after a crash between pages: page 1 may hold a record of 10:05 and page 2
// one of 10:01; resuming after page 1 with "gt 10:05" skips the 10:01 one.
//
// So the cursor keeps the pull's starting watermark until the pull is
// complete, and resumes an interrupted pull where it stopped:
//
//	{"v":1,"since":T}                          no pull in progress: the next
//	                                           pull asks for lastUpdatedDateTime gt T
//	{"v":1,"since":T,"next":L,"max":M,"start":S}
//	                                           a pull from T is in progress; its
//	                                           pages up to L are committed
//
// L is the @odata.nextLink of the first page not yet committed, M the newest
// lastUpdatedDateTime in the committed pages, S Graph's clock (Date header)
// when the pull began. Resuming fetches L: nothing committed is read again,
// and only the page that was in flight at the crash is read a second time.
// If Graph no longer accepts L (continuation tokens expire), the pull starts
// again from T: more is re-read, nothing is lost, and the engine dedups.
//
// The last page's cursor ends the pull: since becomes
// min(M, S - WatermarkLag), never below T. M alone would be wrong when
// records change while the pull runs: a record already passed may be
// updated at 10:01 and one ahead at 10:02; the pull sees the 10:02 one, and
// "gt 10:02" would then skip the 10:01 update. Anything changed after S has
// a lastUpdatedDateTime after S - lag, so it is read by the next pull; the
// lag also covers Graph's one-second Date precision and records that become
// visible a little after their lastUpdatedDateTime. The filter is gt, not
// ge: every record at or before the watermark was already visible when the
// pull began and so was read, and ge would re-read the boundary records on
// every pull.
//
// The empty cursor reads everything; a bare RFC 3339 time is accepted as
// {"since": time}, to start from a chosen point.
type cursor struct {
	V     int       `json:"v"`
	Since time.Time `json:"since,omitzero"`
	Next  string    `json:"next,omitempty"`
	Max   time.Time `json:"max,omitzero"`
	Start time.Time `json:"start,omitzero"`
}

const cursorVersion = 1

// CursorSince is the cursor of a pull that reads the detections changed
// after t.
func CursorSince(t time.Time) string {
	return cursor{V: cursorVersion, Since: t.UTC()}.String()
}

func (c cursor) String() string {
	c.V = cursorVersion
	b, _ := json.Marshal(c) // cannot fail: strings and times
	return string(b)
}

func parseCursor(s string) (cursor, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return cursor{V: cursorVersion}, nil
	}
	if !strings.HasPrefix(s, "{") {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return cursor{}, fmt.Errorf("%w: graph cursor %q is neither a cursor nor an RFC 3339 time", engine.ErrInvalid, s)
		}
		return cursor{V: cursorVersion, Since: t.UTC()}, nil
	}
	var c cursor
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		return cursor{}, fmt.Errorf("%w: graph cursor: %w", engine.ErrInvalid, err)
	}
	if c.V != cursorVersion {
		return cursor{}, fmt.Errorf("%w: graph cursor version %d is not %d", engine.ErrInvalid, c.V, cursorVersion)
	}
	return c, nil
}

// completed is the cursor after the last page of the pull c describes.
func (c cursor) completed(lag time.Duration) cursor {
	w := c.Since
	if !c.Max.IsZero() {
		safe := c.Max
		if !c.Start.IsZero() {
			if limit := c.Start.Add(-lag); limit.Before(safe) {
				safe = limit
			}
		}
		if safe.After(w) {
			w = safe
		}
	}
	return cursor{V: cursorVersion, Since: w.UTC()}
}
