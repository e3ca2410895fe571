package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-retryablehttp"

	"github.com/idp/terraform-provider-idp/internal/api"
	"github.com/idp/terraform-provider-idp/internal/engine"
)

// RemoteConfig says where `engine serve` is and how to reach it.
type RemoteConfig struct {
	// Endpoint is the server's base URL, https://host:port (a path prefix
	// is kept, for a server behind a reverse proxy).
	Endpoint string
	// Token is sent as "Authorization: Bearer <token>".
	Token string
	// TLSConfig trusts a private CA, say; nil uses the system roots.
	TLSConfig *tls.Config
	// AllowInsecureHTTP permits an http:// endpoint on a non-loopback
	// host. The token would cross the network in the clear.
	AllowInsecureHTTP bool
	// RetryMax is how many times a request that failed transiently
	// (connection refused, 5xx, 429) is retried (default 4; -1 never).
	RetryMax int
	// RetryWaitMin and RetryWaitMax bound the exponential backoff between
	// retries (defaults 250ms and 10s); a Retry-After header wins.
	RetryWaitMin, RetryWaitMax time.Duration
	// Timeout bounds one attempt of a request, body included (default:
	// none beyond the caller's context and the bounds below).
	Timeout time.Duration
	// ReadTimeout bounds a whole call, retries included, of everything but
	// Sync and the pushes: reads (what `terraform plan` does) and settings
	// (default DefaultReadTimeout). So a server that accepts the
	// connection and never answers cannot hang Terraform.
	ReadTimeout time.Duration
	// LongTimeout bounds a whole Sync or push (default DefaultLongTimeout,
	// the server's own bound on such requests).
	LongTimeout time.Duration
	Logger      hclog.Logger
}

// Default bounds of a remote call.
const (
	DefaultReadTimeout = time.Minute
	DefaultLongTimeout = 30 * time.Minute
)

// Remote is the engine behind `engine serve`, over HTTP.
type Remote struct {
	base  *url.URL
	token string
	http  *retryablehttp.Client
	// readTimeout and longTimeout bound whole calls (RemoteConfig).
	readTimeout, longTimeout time.Duration
}

var _ Client = (*Remote)(nil)

// ErrUnauthorized: the server refused the token. ErrForbidden: the token's
// scope does not allow the call (a read token that writes). ErrTooLarge: a
// pushed batch is over the server's size limit. They are the API's
// (api.Code.Err), named here too for the provider, which sees only the
// client.
var (
	ErrUnauthorized = api.ErrUnauthorized
	ErrForbidden    = api.ErrForbidden
	ErrTooLarge     = api.ErrTooLarge
)

// APIError is an error answered by the server. Its text is the server's
// message, and it unwraps to the engine error its code stands for, so
// errors.Is(err, engine.ErrNotFound) holds whichever client answered.
type APIError struct {
	Status    int
	Code      api.Code
	Message   string
	RequestID string
}

func (e *APIError) Error() string { return e.Message }

func (e *APIError) Unwrap() error { return e.Code.Err() }

// NewRemote checks the configuration; it does not contact the server.
func NewRemote(cfg RemoteConfig) (*Remote, error) {
	base, err := url.Parse(strings.TrimSuffix(cfg.Endpoint, "/"))
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" {
		return nil, fmt.Errorf("%w: endpoint %q must be an http(s) URL with a host", engine.ErrInvalid, cfg.Endpoint)
	}
	if base.Scheme == "http" && !cfg.AllowInsecureHTTP && !loopbackHost(base.Hostname()) {
		return nil, fmt.Errorf("%w: endpoint %q is plain http on a remote host: the token would travel in the clear (use https)", engine.ErrInvalid, cfg.Endpoint)
	}
	if cfg.Token == "" {
		return nil, fmt.Errorf("%w: a token is required to reach %s", engine.ErrInvalid, base.Redacted())
	}
	if cfg.RetryMax == 0 {
		cfg.RetryMax = 4
	}
	if cfg.RetryMax < 0 {
		cfg.RetryMax = 0
	}
	if cfg.RetryWaitMin <= 0 {
		cfg.RetryWaitMin = 250 * time.Millisecond
	}
	if cfg.RetryWaitMax <= 0 {
		cfg.RetryWaitMax = 10 * time.Second
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = DefaultReadTimeout
	}
	if cfg.LongTimeout <= 0 {
		cfg.LongTimeout = DefaultLongTimeout
	}
	transport := cleanhttp.DefaultPooledTransport()
	if cfg.TLSConfig != nil {
		transport.TLSClientConfig = cfg.TLSConfig.Clone()
	}
	rc := &retryablehttp.Client{
		HTTPClient:   &http.Client{Transport: transport, Timeout: cfg.Timeout},
		RetryMax:     cfg.RetryMax,
		RetryWaitMin: cfg.RetryWaitMin,
		RetryWaitMax: cfg.RetryWaitMax,
		CheckRetry:   retryablehttp.DefaultRetryPolicy,
		Backoff:      retryablehttp.DefaultBackoff,
		// Hand back the last answer when retries run out, so its error
		// body reaches the caller.
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
	if cfg.Logger != nil {
		rc.Logger = retryLogger{cfg.Logger}
	}
	return &Remote{base: base, token: cfg.Token, http: rc, readTimeout: cfg.ReadTimeout, longTimeout: cfg.LongTimeout}, nil
}

// retryLogger keeps retryablehttp's chatter at debug level.
type retryLogger struct{ l hclog.Logger }

func (r retryLogger) Error(msg string, kv ...any) { r.l.Debug(msg, kv...) }
func (r retryLogger) Info(msg string, kv ...any)  { r.l.Debug(msg, kv...) }
func (r retryLogger) Debug(msg string, kv ...any) { r.l.Trace(msg, kv...) }
func (r retryLogger) Warn(msg string, kv ...any)  { r.l.Debug(msg, kv...) }

func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// url joins the base URL and an already escaped path.
func (c *Remote) url(escapedPath string, query url.Values) string {
	u := *c.base
	u.RawPath = c.base.EscapedPath() + escapedPath
	u.Path, _ = url.PathUnescape(u.RawPath)
	u.RawQuery = query.Encode()
	return u.String()
}

// do sends one request (retrying transient failures) within the read
// bound and decodes a JSON answer into out, or turns an error answer into
// an error.
func (c *Remote) do(ctx context.Context, method, path string, query url.Values, body any, out any) error {
	return c.doWithin(ctx, c.readTimeout, method, path, query, body, out)
}

// doWithin is do within limit.
func (c *Remote) doWithin(ctx context.Context, limit time.Duration, method, path string, query url.Values, body any, out any) error {
	bounded, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	return c.bounded(ctx, bounded, limit, c.request(bounded, method, path, query, body, out))
}

// bounded names the bound a call ran out of, when it did and the caller's
// own context did not end first.
func (c *Remote) bounded(caller, bounded context.Context, limit time.Duration, err error) error {
	if err != nil && caller.Err() == nil && errors.Is(bounded.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("engine serve did not answer within %s: %w", limit, err)
	}
	return err
}

func (c *Remote) request(ctx context.Context, method, path string, query url.Values, body any, out any) error {
	var raw any
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		raw = b
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, method, c.url(path, query), raw)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return c.send(req, out)
}

func (c *Remote) send(req *retryablehttp.Request, out any) error {
	c.authorize(req.Header)
	resp, err := c.http.Do(req)
	return answer(req.Request, resp, err, out)
}

// authorize sets the headers every request carries.
func (c *Remote) authorize(h http.Header) {
	h.Set("Authorization", "Bearer "+c.token)
	h.Set("Accept", "application/json")
	h.Set("User-Agent", "terraform-provider-idp (remote client)")
}

// answer decodes a JSON answer into out, or turns an error answer into an
// error.
func answer(req *http.Request, resp *http.Response, err error, out any) error {
	if err != nil {
		return fmt.Errorf("%s %s: %w", req.Method, redactedURL(req.URL), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return answerError(resp)
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("%s %s: reading the answer: %w", req.Method, redactedURL(req.URL), err)
	}
	return nil
}

func redactedURL(u *url.URL) string {
	v := *u
	v.RawQuery = ""
	return v.Redacted()
}

// answerError rebuilds the error the server answered; a validation error
// about one attribute becomes the same engine.FieldError the engine
// returns in-process.
func answerError(resp *http.Response) error {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var body api.ErrorBody
	if err := json.Unmarshal(raw, &body); err != nil || body.Error.Code == "" {
		return &APIError{Status: resp.StatusCode, Code: api.CodeOfStatus(resp.StatusCode),
			Message: fmt.Sprintf("engine serve answered %s", resp.Status), RequestID: resp.Header.Get("X-Request-Id")}
	}
	apiErr := &APIError{Status: resp.StatusCode, Code: body.Error.Code, Message: body.Error.Message, RequestID: resp.Header.Get("X-Request-Id")}
	if body.Error.Field != "" {
		return &engine.FieldError{Field: body.Error.Field, Err: apiErr}
	}
	return apiErr
}

func (c *Remote) Integration(ctx context.Context) (engine.Integration, error) {
	var in engine.Integration
	err := c.do(ctx, http.MethodGet, "/v1/integration", nil, nil, &in)
	return in, err
}

// CreateIntegration fails with an error wrapping engine.ErrAlreadyExists
// when a Terraform resource already manages the integration.
func (c *Remote) CreateIntegration(ctx context.Context, in engine.Integration) (engine.Integration, error) {
	return c.writeIntegration(ctx, http.MethodPost, in)
}

func (c *Remote) SetIntegration(ctx context.Context, in engine.Integration) (engine.Integration, error) {
	return c.writeIntegration(ctx, http.MethodPut, in)
}

func (c *Remote) writeIntegration(ctx context.Context, method string, in engine.Integration) (engine.Integration, error) {
	var out engine.Integration
	if err := c.do(ctx, method, "/v1/integration", nil, in, &out); err != nil {
		return in, err
	}
	return out, nil
}

func (c *Remote) ResetIntegration(ctx context.Context) error {
	return c.do(ctx, http.MethodDelete, "/v1/integration", nil, nil, nil)
}

func policyPath(id string) string { return "/v1/policies/" + url.PathEscape(id) }

func (c *Remote) Policy(ctx context.Context, id string) (engine.Policy, error) {
	var p engine.Policy
	if id == "" {
		return p, fmt.Errorf("policy %q: %w", id, engine.ErrNotFound)
	}
	err := c.do(ctx, http.MethodGet, policyPath(id), nil, nil, &p)
	return p, err
}

func (c *Remote) Policies(ctx context.Context) ([]engine.Policy, error) {
	var ps []engine.Policy
	err := c.do(ctx, http.MethodGet, "/v1/policies", nil, nil, &ps)
	return ps, err
}

func (c *Remote) PutPolicy(ctx context.Context, p engine.Policy) (engine.Policy, error) {
	var out engine.Policy
	if err := c.do(ctx, http.MethodPut, policyPath(p.ID()), nil, p, &out); err != nil {
		return p, err
	}
	return out, nil
}

// CreatePolicy creates a custom policy, or claims a built-in, and fails
// with an error wrapping engine.ErrAlreadyExists when the name is taken or
// the built-in is managed already.
func (c *Remote) CreatePolicy(ctx context.Context, p engine.Policy) (engine.Policy, error) {
	var out engine.Policy
	if err := c.do(ctx, http.MethodPost, "/v1/policies", nil, p, &out); err != nil {
		return p, err
	}
	return out, nil
}

func (c *Remote) DeletePolicy(ctx context.Context, id string) error {
	if id == "" {
		return fmt.Errorf("policy %q: %w", id, engine.ErrNotFound)
	}
	return c.do(ctx, http.MethodDelete, policyPath(id), nil, nil, nil)
}

// Alerts asks for at most api.MaxPage alerts a request: a query for
// more, or for all of them (limit 0), reads page after page.
func (c *Remote) Alerts(ctx context.Context, q engine.AlertQuery) (engine.AlertPage, error) {
	out := engine.AlertPage{Alerts: []engine.Alert{}}
	for {
		page := q
		page.Offset = q.Offset + len(out.Alerts)
		page.Limit = api.MaxPage
		if q.Limit > 0 {
			page.Limit = min(api.MaxPage, q.Limit-len(out.Alerts))
		}
		var got engine.AlertPage
		if err := c.do(ctx, http.MethodGet, "/v1/alerts", api.AlertQueryValues(page), nil, &got); err != nil {
			return out, err
		}
		out.Total = got.Total
		out.Alerts = append(out.Alerts, got.Alerts...)
		if len(got.Alerts) < page.Limit || len(out.Alerts) == q.Limit {
			return out, nil
		}
	}
}

func (c *Remote) Status(ctx context.Context) (engine.Status, error) {
	var st engine.Status
	err := c.do(ctx, http.MethodGet, "/v1/status", nil, nil, &st)
	return st, err
}

func (c *Remote) Sync(ctx context.Context) (engine.SyncSummary, error) {
	var sum engine.SyncSummary
	err := c.doWithin(ctx, c.longTimeout, http.MethodPost, "/v1/sync", nil, nil, &sum)
	return sum, err
}

func (c *Remote) IngestDetections(ctx context.Context, r io.Reader, source string) (engine.IngestSummary, error) {
	return c.push(ctx, "/v1/detections", r, source)
}

func (c *Remote) IngestDevices(ctx context.Context, r io.Reader, source string) (engine.IngestSummary, error) {
	return c.push(ctx, "/v1/devices", r, source)
}

// push streams a batch. A batch that can seek (a file) is retried like any
// request, re-read from where it started: ingest is idempotent, so a batch
// sent twice changes nothing the second time. Any other reader is sent
// once, without retries, rather than held in memory to be resent.
func (c *Remote) push(caller context.Context, path string, r io.Reader, source string) (engine.IngestSummary, error) {
	ctx, cancel := context.WithTimeout(caller, c.longTimeout)
	defer cancel()
	sum, err := c.pushWithin(ctx, path, r, source)
	return sum, c.bounded(caller, ctx, c.longTimeout, err)
}

func (c *Remote) pushWithin(ctx context.Context, path string, r io.Reader, source string) (engine.IngestSummary, error) {
	var sum engine.IngestSummary
	query := url.Values{}
	if source != "" {
		query.Set("source", source)
	}
	target := c.url(path, query)
	var req *retryablehttp.Request
	var err error
	switch body := r.(type) {
	case *bytes.Reader, *bytes.Buffer:
		// retryablehttp resends these from where they stand.
		req, err = retryablehttp.NewRequestWithContext(ctx, http.MethodPost, target, body)
	case io.ReadSeeker:
		start, serr := body.Seek(0, io.SeekCurrent)
		if serr != nil {
			return sum, serr
		}
		end, serr := body.Seek(0, io.SeekEnd)
		if serr != nil {
			return sum, serr
		}
		// A ReaderFunc whose reader has no Close: retryablehttp closes
		// what it probes, and the caller owns the file.
		rewind := retryablehttp.ReaderFunc(func() (io.Reader, error) {
			_, err := body.Seek(start, io.SeekStart)
			return struct{ io.Reader }{body}, err
		})
		req, err = retryablehttp.NewRequestWithContext(ctx, http.MethodPost, target, rewind)
		if err == nil {
			req.ContentLength = end - start
		}
	default:
		req, err = retryablehttp.NewRequestWithContext(ctx, http.MethodPost, target, nil)
		if err == nil {
			return sum, c.sendOnce(req, r, &sum)
		}
	}
	if err != nil {
		return sum, err
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	err = c.send(req, &sum)
	return sum, err
}

// sendOnce sends a request whose body can be read only once.
func (c *Remote) sendOnce(req *retryablehttp.Request, body io.Reader, out any) error {
	hr := req.Request
	hr.Body = io.NopCloser(body)
	hr.ContentLength = -1
	hr.Header.Set("Content-Type", "application/x-ndjson")
	c.authorize(hr.Header)
	resp, err := c.http.HTTPClient.Do(hr)
	return answer(hr, resp, err, out)
}

func (c *Remote) Users(ctx context.Context, page engine.Page) (engine.UserPage, error) {
	out := engine.UserPage{Users: []engine.User{}}
	err := pages(page, func(p engine.Page) (int, error) {
		var got engine.UserPage
		err := c.do(ctx, http.MethodGet, "/v1/users", api.PageValues(p), nil, &got)
		out.Users, out.Total = append(out.Users, got.Users...), got.Total
		return len(got.Users), err
	})
	return out, err
}

func (c *Remote) Remediations(ctx context.Context, page engine.Page) (engine.RemediationPage, error) {
	out := engine.RemediationPage{Remediations: []engine.Remediation{}}
	err := pages(page, func(p engine.Page) (int, error) {
		var got engine.RemediationPage
		err := c.do(ctx, http.MethodGet, "/v1/remediations", api.PageValues(p), nil, &got)
		out.Remediations, out.Total = append(out.Remediations, got.Remediations...), got.Total
		return len(got.Remediations), err
	})
	return out, err
}

// pages asks for a listing page by page of at most api.MaxPage rows
// until it has the rows page asks for (all of them for limit 0): fetch
// reads one and says how many rows it got.
func pages(page engine.Page, fetch func(engine.Page) (int, error)) error {
	for read := 0; ; {
		p := engine.Page{Offset: page.Offset + read, Limit: api.MaxPage}
		if page.Limit > 0 {
			p.Limit = min(api.MaxPage, page.Limit-read)
		}
		n, err := fetch(p)
		if err != nil {
			return err
		}
		read += n
		if n < p.Limit || read == page.Limit {
			return nil
		}
	}
}

// Quarantine reads page after page (of at most api.MaxQuarantinePage
// entries) until it has q.Limit entries, or all of them for 0. The server
// cuts each text at api.MaxListedRawBytes whatever q.RawLimit says.
func (c *Remote) Quarantine(ctx context.Context, q engine.QuarantineQuery) (engine.QuarantinePage, error) {
	out := engine.QuarantinePage{Entries: []engine.QuarantineEntry{}}
	for after := q.After; ; {
		want := api.MaxQuarantinePage
		if q.Limit > 0 {
			want = min(want, q.Limit-len(out.Entries))
		}
		var got engine.QuarantinePage
		if err := c.do(ctx, http.MethodGet, "/v1/quarantine", api.QuarantineValues(engine.QuarantineQuery{After: after, Limit: want}), nil, &got); err != nil {
			return out, err
		}
		for _, e := range got.Entries {
			// The server cuts texts at its own limit; a smaller one is
			// the client's to apply, as the embedded engine would.
			if q.RawLimit > 0 && len(e.Raw) > q.RawLimit {
				e.Raw, e.RawTruncated = e.Raw[:q.RawLimit], true
			}
			out.Entries = append(out.Entries, e)
		}
		if after == q.After {
			out.Total = got.Total // counted on the first page only
		}
		if len(got.Entries) < want || len(out.Entries) == q.Limit {
			return out, nil
		}
		after = got.Entries[len(got.Entries)-1].ID
	}
}

// QuarantineText streams one entry's whole text into w, and fails when
// fewer bytes arrive than the server announced.
func (c *Remote) QuarantineText(ctx context.Context, id int64, w io.Writer) error {
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodGet, c.url(fmt.Sprintf("/v1/quarantine/%d/raw", id), nil), nil)
	if err != nil {
		return err
	}
	c.authorize(req.Header)
	req.Header.Set("Accept", "application/octet-stream")
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", req.Method, redactedURL(req.URL), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return answerError(resp)
	}
	n, err := io.Copy(w, resp.Body)
	if err == nil && resp.ContentLength >= 0 && n != resp.ContentLength {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return fmt.Errorf("reading quarantine entry %d: %w", id, err)
	}
	return nil
}

// Remote is true: the engine is behind `engine serve`.
func (c *Remote) Remote() bool { return true }

// Close releases idle connections.
func (c *Remote) Close() error {
	c.http.HTTPClient.CloseIdleConnections()
	return nil
}
