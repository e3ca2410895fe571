package graph

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// tokens holds the bearer token of the client-credentials flow, reused until
// it expires. Graph may reject a token before its stated expiry (revoked,
// clock skew); invalidate drops it so that the next call fetches a new one.
type tokens struct {
	cc         clientcredentials.Config
	httpClient *http.Client
	redact     redactor

	mu  sync.Mutex
	tok *oauth2.Token
}

func newTokens(cfg Config, r redactor) *tokens {
	return &tokens{
		cc: clientcredentials.Config{
			ClientID:     cfg.ClientID,
			ClientSecret: cfg.ClientSecret,
			TokenURL:     cfg.AuthorityURL + "/" + url.PathEscape(cfg.TenantID) + "/oauth2/v2.0/token",
			// The scope names the resource, Graph's origin, whatever path
			// graph_url may carry.
			Scopes: []string{origin(cfg.GraphURL) + "/.default"},
			// In the form body, as Entra ID documents it. The auto-detected
			// default would first try HTTP Basic, which both doubles the
			// token requests on failure and puts the secret in a header
			// that travels with the *http.Request of any error.
			AuthStyle: oauth2.AuthStyleInParams,
		},
		httpClient: cfg.HTTPClient,
		redact:     r,
	}
}

// get returns a valid access token, fetching one when none is cached.
// Requests for a token are serialized: concurrent callers after an expiry
// share one token request instead of each sending their own.
func (t *tokens) get(ctx context.Context) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.tok.Valid() {
		return t.tok.AccessToken, nil
	}
	tok, err := t.cc.Token(context.WithValue(ctx, oauth2.HTTPClient, t.httpClient))
	if err != nil {
		return "", t.fetchError(ctx, err)
	}
	t.tok = tok
	return tok.AccessToken, nil
}

// invalidate drops the cached token if it is still the one Graph rejected.
func (t *tokens) invalidate(rejected string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.tok != nil && t.tok.AccessToken == rejected {
		t.tok = nil
	}
}

// tokenError is a failed token request. It wraps nothing from the oauth2
// package: those errors keep the response (and, for other auth styles, the
// request headers), which must not reach a caller that prints chains.
type tokenError struct {
	msg   string
	retry bool // throttled, server error or network failure
}

func (e *tokenError) Error() string { return e.msg }

func (e *tokenError) Is(target error) bool { return target == ErrAuth && !e.retry }

func (t *tokens) fetchError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	prefix := "graph: token request to " + t.cc.TokenURL
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		msg := fmt.Sprintf("%s: %d %s", prefix, status, http.StatusText(status))
		if re.ErrorCode != "" || re.ErrorDescription != "" {
			msg += fmt.Sprintf(" (%s: %s)", re.ErrorCode, re.ErrorDescription)
		}
		return &tokenError{
			msg:   t.redact.String(msg),
			retry: status == http.StatusTooManyRequests || status >= 500,
		}
	}
	var ue *url.Error
	var ne net.Error
	if errors.As(err, &ue) || errors.As(err, &ne) {
		return &tokenError{msg: t.redact.String(prefix + ": " + err.Error()), retry: true}
	}
	return &tokenError{msg: t.redact.String(prefix + ": " + err.Error())}
}

// origin is scheme://host of a URL already validated by baseURL.
func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.Scheme + "://" + u.Host
}
