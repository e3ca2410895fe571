package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// maxBody bounds what one answer may hold: 500 records of at most the
// engine's 1 MiB each, with room for the envelope.
const maxBody = 512 << 20

// call is one logical Graph request: retried as a whole.
type call struct {
	op         string // for errors and logs: "list riskDetections"
	permission string // the application permission the endpoint needs
	method     string
	url        string
	body       []byte // JSON; nil for GET
}

// answer is the successful response of a call.
type answer struct {
	header http.Header
	body   []byte
}

// send runs a call to success or to a definitive failure. Every attempt
// waits for the rate limiter. 429, 408, 5xx and network errors are retried
// after Retry-After or backoff, up to MaxAttempts; a 401 drops the token and
// is retried once at once with a new one; anything else stops. The attempts
// made are returned with the error too (write-back reports them).
func (c *Client) send(ctx context.Context, k call) (*answer, int, error) {
	var (
		attempts  int
		failures  int // attempts that count against MaxAttempts
		refreshed bool
		last      error
	)
	for {
		if failures >= c.cfg.MaxAttempts {
			return nil, attempts, fmt.Errorf("%w: %s: gave up after %d attempts: %w", ErrExhausted, k.op, attempts, last)
		}
		if err := c.limiter.Wait(ctx); err != nil {
			if ctx.Err() != nil {
				return nil, attempts, ctx.Err()
			}
			// The limiter refuses early when the deadline will pass before
			// its turn: report it as the deadline it is.
			return nil, attempts, fmt.Errorf("graph: %s: waiting for the rate limit: %w", k.op, context.DeadlineExceeded)
		}
		token, err := c.tokens.get(ctx)
		if err != nil {
			var te *tokenError
			if ctx.Err() != nil || !errors.As(err, &te) || !te.retry {
				return nil, attempts, err
			}
			failures++
			last = err
			if failures < c.cfg.MaxAttempts {
				if err := c.wait(ctx, k, failures, nil, err); err != nil {
					return nil, attempts, err
				}
			}
			continue
		}
		attempts++
		ans, err := c.attempt(ctx, k, token)
		if err == nil {
			return ans, attempts, nil
		}
		if ctx.Err() != nil {
			return nil, attempts, ctx.Err()
		}
		var ae *APIError
		switch {
		case errors.As(err, &ae) && ae.StatusCode == http.StatusUnauthorized:
			if refreshed {
				return nil, attempts, err
			}
			// The token expired early or was revoked: one retry with a new
			// one. A second 401 means the new token is refused too.
			refreshed = true
			c.tokens.invalidate(token)
			c.log.Debug("token rejected; retrying with a new one", "op", k.op)
			continue
		case errors.As(err, &ae) && !ae.retryable():
			return nil, attempts, err
		}
		failures++
		last = err
		var hdr http.Header
		if ae != nil {
			hdr = ae.header
		}
		if failures < c.cfg.MaxAttempts {
			if err := c.wait(ctx, k, failures, hdr, err); err != nil {
				return nil, attempts, err
			}
		}
	}
}

// wait sleeps before retry n, as the server asked or by backoff.
func (c *Client) wait(ctx context.Context, k call, n int, hdr http.Header, cause error) error {
	d, fromServer := retryAfter(hdr, c.cfg.Now())
	if !fromServer {
		d = backoff(n, c.cfg.MinBackoff, c.cfg.MaxBackoff)
	}
	c.log.Warn("retrying", "op", k.op, "attempt", n+1, "max_attempts", c.cfg.MaxAttempts,
		"wait", d.String(), "retry_after", fromServer, "cause", c.redact.String(cause.Error()))
	return ctxErr(ctx, c.cfg.Sleep(ctx, d))
}

// attempt sends one request. Non-2xx answers come back as *APIError.
func (c *Client) attempt(ctx context.Context, k call, token string) (*answer, error) {
	var body io.Reader
	if k.body != nil {
		body = bytes.NewReader(k.body)
	}
	req, err := http.NewRequestWithContext(ctx, k.method, k.url, body)
	if err != nil {
		return nil, fmt.Errorf("graph: %s: %w", k.op, err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	if k.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	start := time.Now()
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("graph: %s: %w", k.op, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	c.log.Trace("graph answered", "op", k.op, "status", resp.StatusCode, "bytes", len(b), "elapsed", time.Since(start).String())
	if err != nil {
		// A connection cut mid-body: retried like any network failure.
		return nil, fmt.Errorf("graph: %s: reading the answer: %w", k.op, err)
	}
	if resp.StatusCode/100 == 2 {
		if len(b) > maxBody {
			return nil, &APIError{Op: k.op, StatusCode: resp.StatusCode, Message: fmt.Sprintf("answer larger than %d bytes", maxBody)}
		}
		return &answer{header: resp.Header, body: b}, nil
	}
	ae := &APIError{Op: k.op, StatusCode: resp.StatusCode, Permission: k.permission, header: resp.Header}
	var env struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(b, &env) == nil {
		ae.Code, ae.Message = env.Error.Code, env.Error.Message
	}
	return nil, ae
}

// ctxErr prefers the context's own error, so callers can test it with
// errors.Is(err, context.Canceled) whatever was interrupted.
func ctxErr(ctx context.Context, err error) error {
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}
