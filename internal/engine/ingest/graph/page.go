package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// page is one answer of a Graph collection.
type page struct {
	Value    []json.RawMessage `json:"value"`
	NextLink string            `json:"@odata.nextLink"`
}

// getPage fetches one page and checks its nextLink.
func (c *Client) getPage(ctx context.Context, k call) (*page, *answer, error) {
	if !c.sameOrigin(k.url) {
		return nil, nil, fmt.Errorf("graph: %s: refusing to send the token to %q, which is not on graph_url %s", k.op, k.url, c.cfg.GraphURL)
	}
	ans, _, err := c.send(ctx, k)
	if err != nil {
		return nil, nil, err
	}
	var p page
	if err := json.Unmarshal(ans.body, &p); err != nil {
		return nil, nil, fmt.Errorf("graph: %s: the answer is not a Graph collection page: %w", k.op, err)
	}
	if p.NextLink != "" && !c.sameOrigin(p.NextLink) {
		return nil, nil, fmt.Errorf("graph: %s: refusing to follow @odata.nextLink %q, which is not on graph_url %s", k.op, p.NextLink, c.cfg.GraphURL)
	}
	return &p, ans, nil
}

// records are the page's elements as the raw bytes Graph sent.
func (p *page) records() [][]byte {
	out := make([][]byte, len(p.Value))
	for i, v := range p.Value {
		out[i] = v
	}
	return out
}

// query builds an OData query string. url.Values would encode spaces as
// "+", which OData filters do not reliably read as a space.
func query(params ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(params); i += 2 {
		if params[i+1] == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(params[i])
		b.WriteByte('=')
		b.WriteString(strings.ReplaceAll(url.QueryEscape(params[i+1]), "+", "%20"))
	}
	return b.String()
}

func get(op, permission, link string) call {
	return call{op: op, permission: permission, method: http.MethodGet, url: link}
}
