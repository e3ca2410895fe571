package graph

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

// Defaults, and the limits Graph itself sets.
const (
	DefaultAuthorityURL = "https://login.microsoftonline.com"
	DefaultGraphURL     = "https://graph.microsoft.com"
	// MaxPageSize is the largest $top riskDetections accepts.
	MaxPageSize = 500
	// DefaultRequestsPerSecond: Identity Protection allows about one request
	// per second per tenant, and answers more with 429s that carry no
	// Retry-After, so staying under it is cheaper than backing off.
	DefaultRequestsPerSecond = 1.0
	DefaultMaxAttempts       = 8
	DefaultMinBackoff        = time.Second
	DefaultMaxBackoff        = time.Minute
	// DefaultWatermarkLag: how far behind Graph's clock a completed pull
	// keeps its watermark when records changed while it ran (see cursor.go).
	DefaultWatermarkLag = 5 * time.Minute
)

// Config is what a Client needs. Zero values take the defaults above.
// Validation errors name the setting by its Terraform attribute name, which
// is what the user wrote.
type Config struct {
	TenantID     string
	ClientID     string
	ClientSecret string
	// AuthorityURL and GraphURL differ in sovereign clouds. They must be
	// https, except on a loopback host (test servers): the secret and the
	// bearer tokens never cross a network in clear.
	AuthorityURL string
	GraphURL     string
	// PageSize is $top of riskDetections: default and maximum 500.
	PageSize int
	// RequestsPerSecond limits the requests sent to Graph (token requests
	// are not counted). 0 means the default; any negative value disables the
	// limit (tests, benchmarks).
	RequestsPerSecond float64
	// MaxAttempts bounds the requests sent for one call when Graph throttles
	// or fails (a 401's single token refresh comes on top).
	MaxAttempts int
	// MinBackoff and MaxBackoff shape the exponential backoff with full
	// jitter used when Graph gives no Retry-After: attempt n waits a random
	// time in [0, min(MaxBackoff, MinBackoff*2^(n-1))).
	MinBackoff time.Duration
	MaxBackoff time.Duration
	// WatermarkLag: see cursor.go. Negative means none.
	WatermarkLag time.Duration
	// HTTPClient sends every request, the token requests included.
	HTTPClient *http.Client
	// Logger is the parent logger; the client logs as its child
	// "engine.graph". Nil discards the logs.
	Logger hclog.Logger
	// Sleep waits between attempts; tests replace it so that backoff is
	// checked without waiting. It must return ctx.Err() when ctx ends first.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock used when Graph's answer has no Date header.
	Now func() time.Time
}

// withDefaults validates c and fills in the defaults.
func (c Config) withDefaults() (Config, error) {
	invalid := func(format string, args ...any) (Config, error) {
		return Config{}, fmt.Errorf("%w: graph source: "+format, append([]any{engine.ErrInvalid}, args...)...)
	}
	for _, f := range []struct{ name, value string }{
		{"tenant_id", c.TenantID}, {"client_id", c.ClientID}, {"client_secret", c.ClientSecret},
	} {
		if strings.TrimSpace(f.value) == "" {
			return invalid("%s is required", f.name)
		}
	}
	// The tenant is spliced into the token URL's path.
	if strings.ContainsAny(c.TenantID, "/?#%\\ \t\r\n") {
		return invalid("tenant_id %q is not a tenant id or domain name", c.TenantID)
	}
	var err error
	if c.AuthorityURL, err = baseURL("authority_url", c.AuthorityURL, DefaultAuthorityURL); err != nil {
		return Config{}, err
	}
	if c.GraphURL, err = baseURL("graph_url", c.GraphURL, DefaultGraphURL); err != nil {
		return Config{}, err
	}
	switch {
	case c.PageSize == 0:
		c.PageSize = MaxPageSize
	case c.PageSize < 1 || c.PageSize > MaxPageSize:
		return invalid("page_size %d is not between 1 and %d", c.PageSize, MaxPageSize)
	}
	switch {
	case math.IsNaN(c.RequestsPerSecond) || math.IsInf(c.RequestsPerSecond, 1):
		return invalid("requests per second %v is not a number of requests", c.RequestsPerSecond)
	case c.RequestsPerSecond == 0:
		c.RequestsPerSecond = DefaultRequestsPerSecond
	}
	switch {
	case c.MaxAttempts == 0:
		c.MaxAttempts = DefaultMaxAttempts
	case c.MaxAttempts < 0:
		return invalid("max attempts %d is negative", c.MaxAttempts)
	}
	if c.MinBackoff == 0 {
		c.MinBackoff = DefaultMinBackoff
	}
	if c.MaxBackoff == 0 {
		c.MaxBackoff = DefaultMaxBackoff
	}
	if c.MinBackoff < 0 || c.MaxBackoff < c.MinBackoff {
		return invalid("backoff bounds %v..%v are not increasing", c.MinBackoff, c.MaxBackoff)
	}
	switch {
	case c.WatermarkLag == 0:
		c.WatermarkLag = DefaultWatermarkLag
	case c.WatermarkLag < 0:
		c.WatermarkLag = 0
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 2 * time.Minute}
	}
	if c.Logger == nil {
		c.Logger = hclog.NewNullLogger()
	}
	if c.Sleep == nil {
		c.Sleep = sleep
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c, nil
}

// baseURL checks a base URL setting and returns it without a trailing slash.
func baseURL(name, raw, def string) (string, error) {
	if raw == "" {
		return def, nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("%w: graph source: %s %q is not an absolute http(s) URL without query or credentials", engine.ErrInvalid, name, raw)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopback(u.Hostname()):
	default:
		return "", fmt.Errorf("%w: graph source: %s %q must use https (plain http only on a loopback host)", engine.ErrInvalid, name, raw)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
