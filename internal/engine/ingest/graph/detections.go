package graph

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"
)

const opDetections = "list riskDetections"

// PullDetections reads the riskDetections changed since cursor, following
// @odata.nextLink to the end. It calls fn once per page, empty pages
// included, with the raw JSON of each element of the page's value and the
// cursor to store in the same transaction as those records; after a crash,
// calling PullDetections with the last stored cursor loses nothing and
// re-reads at most the page that was in flight (cursor.go says why).
//
// An error from fn stops the pull and is returned as is. The empty cursor
// reads every detection Graph holds.
func (c *Client) PullDetections(ctx context.Context, cursorText string, fn func(records [][]byte, next string) error) error {
	cur, err := parseCursor(cursorText)
	if err != nil {
		return err
	}
	link, resumed := cur.Next, cur.Next != ""
	if resumed && !c.sameOrigin(link) {
		// graph_url changed since the cursor was stored: never send the
		// token to the old host; start the pull again on the new one.
		c.log.Warn("stored nextLink is not on graph_url; restarting the pull from the cursor's watermark")
		resumed = false
	}
	if !resumed {
		cur = cursor{V: cursorVersion, Since: cur.Since}
		link = c.detectionsURL(cur.Since)
	}
	pages, records := 0, 0
	for {
		p, ans, err := c.getPage(ctx, get(opDetections, PermissionRiskDetections, link))
		if err != nil {
			if !resumed || !staleLink(err) {
				return err
			}
			// The continuation token of the interrupted pull has expired:
			// start that pull again from its watermark.
			c.log.Warn("stored nextLink refused; restarting the pull from the cursor's watermark",
				"since", cur.Since.Format(time.RFC3339Nano), "cause", err.Error())
			cur = cursor{V: cursorVersion, Since: cur.Since}
			link, resumed = c.detectionsURL(cur.Since), false
			continue
		}
		resumed = false
		if cur.Start.IsZero() {
			cur.Start = serverTime(ans.header, c.cfg.Now)
		}
		if m := newest(p.Value); m.After(cur.Max) {
			cur.Max = m
		}
		next := cur.completed(c.cfg.WatermarkLag)
		if p.NextLink != "" {
			next = cur
			next.Next = p.NextLink
		}
		pages++
		records += len(p.Value)
		if err := fn(p.records(), next.String()); err != nil {
			return err
		}
		if p.NextLink == "" {
			c.log.Debug("detections pulled", "pages", pages, "records", records,
				"since", next.Since.Format(time.RFC3339Nano))
			return nil
		}
		cur, link = next, p.NextLink
	}
}

// detectionsURL is the first page of a pull from since.
func (c *Client) detectionsURL(since time.Time) string {
	filter := ""
	if !since.IsZero() {
		filter = "lastUpdatedDateTime gt " + since.UTC().Format(time.RFC3339Nano)
	}
	return c.cfg.GraphURL + "/v1.0/identityProtection/riskDetections?" +
		query("$filter", filter, "$top", strconv.Itoa(c.cfg.PageSize))
}

// staleLink: Graph refused a stored nextLink as a bad request, not for
// throttling, auth or an outage.
func staleLink(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && (ae.StatusCode == http.StatusBadRequest ||
		ae.StatusCode == http.StatusNotFound || ae.StatusCode == http.StatusGone)
}

// serverTime is Graph's clock from the Date header, else ours.
func serverTime(h http.Header, now func() time.Time) time.Time {
	if t, err := http.ParseTime(h.Get("Date")); err == nil {
		return t.UTC()
	}
	return now().UTC()
}

// newest is the latest lastUpdatedDateTime among records. Records that do
// not parse are skipped here; the engine quarantines them.
func newest(records []json.RawMessage) time.Time {
	var m time.Time
	for _, r := range records {
		var v struct {
			LastUpdated string `json:"lastUpdatedDateTime"`
		}
		if json.Unmarshal(r, &v) != nil || v.LastUpdated == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, v.LastUpdated)
		if err == nil && t.After(m) {
			m = t.UTC()
		}
	}
	return m
}
