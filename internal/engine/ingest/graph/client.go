package graph

import (
	"fmt"
	"net/url"

	"github.com/hashicorp/go-hclog"
	"golang.org/x/time/rate"
)

// Client talks to one tenant's Microsoft Graph. It is safe for concurrent
// use; all its calls share one rate limit and one cached token.
type Client struct {
	cfg     Config
	graph   *url.URL // GraphURL, parsed: nextLinks must stay on it
	log     hclog.Logger
	limiter *rate.Limiter
	tokens  *tokens
	redact  redactor
}

// New checks cfg and builds a client. It sends nothing: a wrong secret shows
// at the first call.
func New(cfg Config) (*Client, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	g, err := url.Parse(cfg.GraphURL)
	if err != nil {
		return nil, fmt.Errorf("graph: graph_url: %w", err)
	}
	limit := rate.Inf
	if cfg.RequestsPerSecond > 0 {
		limit = rate.Limit(cfg.RequestsPerSecond)
	}
	r := newRedactor(cfg.ClientSecret)
	return &Client{
		cfg:   cfg,
		graph: g,
		log:   cfg.Logger.Named("graph"),
		// A burst of one: the service counts requests per second, so a burst
		// after an idle minute would be throttled all the same.
		limiter: rate.NewLimiter(limit, 1),
		tokens:  newTokens(cfg, r),
		redact:  r,
	}, nil
}

// sameOrigin reports whether link points at the configured Graph host. A
// nextLink is followed with the bearer token attached, and a stored cursor
// could have been edited: a link elsewhere would hand the token away.
func (c *Client) sameOrigin(link string) bool {
	u, err := url.Parse(link)
	return err == nil && u.Scheme == c.graph.Scheme && u.Host == c.graph.Host
}
