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
	DefaultAuthorityURL = engine.DefaultGraphAuthorityURL
	DefaultGraphURL     = engine.DefaultGraphURL
	// MaxPageSize is the largest $top riskDetections accepts.
	MaxPageSize = engine.MaxGraphPageSize
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
	// AllowHosts are the hosts besides Microsoft's cloud endpoints
	// (MicrosoftHosts) that AuthorityURL and GraphURL may name: the client
	// secret and the access tokens are sent to no other host. Entries are
	// host names (any port) or host:port.
	AllowHosts []string
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
	// "graph" (under the engine's logger: engine.graph). Nil discards the logs.
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
	if err := CheckTenantID(c.TenantID); err != nil {
		return Config{}, err
	}
	if err := CheckClientID(c.ClientID); err != nil {
		return Config{}, err
	}
	if strings.TrimSpace(c.ClientSecret) == "" {
		return invalid("client_secret is required")
	}
	var err error
	if c.AuthorityURL, err = baseURL("authority_url", c.AuthorityURL, DefaultAuthorityURL); err != nil {
		return Config{}, err
	}
	if c.GraphURL, err = baseURL("graph_url", c.GraphURL, DefaultGraphURL); err != nil {
		return Config{}, err
	}
	if err := CheckHost("authority_url", c.AuthorityURL, c.AllowHosts); err != nil {
		return Config{}, err
	}
	if err := CheckHost("graph_url", c.GraphURL, c.AllowHosts); err != nil {
		return Config{}, err
	}
	if c.PageSize == 0 {
		c.PageSize = MaxPageSize
	} else if err := CheckPageSize(c.PageSize); err != nil {
		return Config{}, err
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
	// A copy, so that the caller's client is left as it was: this one
	// follows no redirect (hosts.go says why).
	hc := *c.HTTPClient
	hc.CheckRedirect = noRedirects
	c.HTTPClient = &hc
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

// The checks of the settings a user writes, one per setting, for New and
// for whoever validates the settings before a client is built (the
// engine's SetIntegration, the provider's plan). Errors wrap
// engine.ErrInvalid and name the setting by its Terraform attribute name.

func invalidSetting(format string, args ...any) error {
	return fmt.Errorf("%w: graph source: "+format, append([]any{engine.ErrInvalid}, args...)...)
}

// CheckTenantID accepts a tenant id or domain name: required, and free of
// the characters that would change the token URL, whose path it is
// spliced into.
func CheckTenantID(id string) error {
	if strings.TrimSpace(id) == "" {
		return invalidSetting("tenant_id is required")
	}
	if strings.ContainsAny(id, "/?#%\\ \t\r\n") {
		return invalidSetting("tenant_id %q is not a tenant id or domain name", id)
	}
	return nil
}

// CheckClientID accepts any client id that is not blank.
func CheckClientID(id string) error {
	if strings.TrimSpace(id) == "" {
		return invalidSetting("client_id is required")
	}
	return nil
}

// CheckBaseURL checks an authority_url or graph_url (name says which) as
// written: an absolute https URL without query, fragment or credentials;
// plain http only on a loopback host. Unlike in a Config, "" is refused.
func CheckBaseURL(name, raw string) error {
	if raw == "" {
		return invalidSetting("%s is empty: it must be an absolute https URL", name)
	}
	_, err := baseURL(name, raw, "")
	return err
}

// CheckPageSize accepts 1 to MaxPageSize.
func CheckPageSize(n int) error {
	if n < 1 || n > MaxPageSize {
		return invalidSetting("page_size %d is not between 1 and %d", n, MaxPageSize)
	}
	return nil
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
