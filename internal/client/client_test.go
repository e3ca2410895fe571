package client_test

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/idp/terraform-provider-idp/internal/client"
	"github.com/idp/terraform-provider-idp/internal/client/clienttest"
	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/service"
	"github.com/idp/terraform-provider-idp/internal/engine/store/postgres/pgtest"
	"github.com/idp/terraform-provider-idp/internal/engine/store/storeopen"
	"github.com/idp/terraform-provider-idp/internal/server"
	"github.com/idp/terraform-provider-idp/internal/server/servertest"
)

const token = "test-token-0123456789abcdef0123456789"

func embedded(cfg func(t *testing.T) client.EmbeddedConfig) clienttest.Opener {
	return func(t *testing.T) client.Client {
		c, err := client.NewEmbedded(context.Background(), cfg(t))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
}

// remote serves an engine with an in-process server and returns the
// remote client of it.
func remote(cfg func(t *testing.T) service.Config) clienttest.Opener {
	return func(t *testing.T) client.Client {
		sc := cfg(t)
		sc.FileSources = servertest.SourceRoots(t)
		svc, err := storeopen.Service(context.Background(), sc)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { svc.Close() })
		tokens, err := server.NewTokens([]string{token})
		if err != nil {
			t.Fatal(err)
		}
		srv, err := server.New(server.Config{Service: svc, Tokens: tokens})
		if err != nil {
			t.Fatal(err)
		}
		ts := httptest.NewServer(srv.Handler())
		t.Cleanup(ts.Close)
		c, err := client.NewRemote(client.RemoteConfig{Endpoint: ts.URL, Token: token, RetryMax: -1})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
}

func sqliteDir(t *testing.T) client.EmbeddedConfig {
	return client.EmbeddedConfig{DataDir: t.TempDir()}
}
func postgresURL(t *testing.T) client.EmbeddedConfig {
	return client.EmbeddedConfig{DatabaseURL: pgtest.URL(t)}
}

func TestEmbeddedSQLite(t *testing.T) { clienttest.Run(t, embedded(sqliteDir)) }

func TestEmbeddedPostgres(t *testing.T) { clienttest.Run(t, embedded(postgresURL)) }

func TestRemoteSQLite(t *testing.T) {
	clienttest.Run(t, remote(func(t *testing.T) service.Config { return service.Config{DataDir: t.TempDir()} }))
}

func TestRemotePostgres(t *testing.T) {
	clienttest.Run(t, remote(func(t *testing.T) service.Config { return service.Config{DatabaseURL: pgtest.URL(t)} }))
}

// flaky answers 503 (then 429) before letting requests through.
func flaky(failures int32, next http.Handler) (http.Handler, *atomic.Int32) {
	var calls atomic.Int32
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		if n <= failures {
			code := http.StatusServiceUnavailable
			if n%2 == 0 {
				code = http.StatusTooManyRequests
			}
			http.Error(w, "busy", code)
			return
		}
		next.ServeHTTP(w, r)
	}), &calls
}

func serve(t *testing.T) (*service.Service, http.Handler) {
	t.Helper()
	svc, err := storeopen.Service(context.Background(), service.Config{DataDir: t.TempDir(), FileSources: servertest.SourceRoots(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	tokens, _ := server.NewTokens([]string{token})
	srv, err := server.New(server.Config{Service: svc, Tokens: tokens})
	if err != nil {
		t.Fatal(err)
	}
	return svc, srv.Handler()
}

func fastRetries(url string) client.RemoteConfig {
	return client.RemoteConfig{Endpoint: url, Token: token, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond}
}

func TestRemoteRetriesTransientFailures(t *testing.T) {
	_, h := serve(t)
	handler, calls := flaky(2, h)
	ts := httptest.NewServer(handler)
	defer ts.Close()
	c, err := client.NewRemote(fastRetries(ts.URL))
	if err != nil {
		t.Fatal(err)
	}
	in, err := c.Integration(context.Background())
	if err != nil || !in.Enabled {
		t.Fatalf("after two transient failures: %+v, %v", in, err)
	}
	if calls.Load() != 3 {
		t.Fatalf("%d calls, want 2 failures and the answer", calls.Load())
	}

	// A pushed batch from a seekable reader is resent whole.
	calls.Store(0)
	sum, err := c.IngestDetections(context.Background(), strings.NewReader(
		`{"id":"r1","userId":"u","riskEventType":"leakedCredentials","riskLevel":"high","activityDateTime":"2025-06-10T08:00:00Z"}`+"\n"), "retried")
	if err != nil || sum.Read != 1 || sum.Accepted != 1 || calls.Load() != 3 {
		t.Fatalf("push after two failures: %+v, %v, %d calls", sum, err, calls.Load())
	}

	// A reader already partly read is resent from where it stood, not from
	// its start.
	calls.Store(0)
	r := strings.NewReader("{not sent: the caller read this line}\n" +
		`{"id":"r2","userId":"u","riskEventType":"leakedCredentials","riskLevel":"high","activityDateTime":"2025-06-10T08:00:00Z"}` + "\n")
	if _, err := r.Seek(int64(strings.Index(mustRead(t, r), "\n")+1), io.SeekStart); err != nil {
		t.Fatal(err)
	}
	sum, err = c.IngestDetections(context.Background(), r, "offset")
	if err != nil || sum.Read != 1 || sum.Accepted != 1 || sum.Quarantined != 0 || calls.Load() != 3 {
		t.Fatalf("push of a partly read reader: %+v, %v, %d calls", sum, err, calls.Load())
	}
}

// mustRead reads r whole and rewinds it.
func mustRead(t *testing.T, r *strings.Reader) string {
	t.Helper()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	r.Seek(0, io.SeekStart)
	return string(b)
}

func TestRemoteGivesUpWithTheLastAnswer(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte(`{"error": {"code": "internal", "message": "internal error (request x): see the server log"}}`))
	}))
	defer ts.Close()
	cfg := fastRetries(ts.URL)
	cfg.RetryMax = 2
	c, _ := client.NewRemote(cfg)
	_, err := c.Policies(context.Background())
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 500 || !strings.Contains(err.Error(), "see the server log") {
		t.Fatalf("error %v, want the server's 500 answer", err)
	}
}

func TestRemoteDoesNotRetryClientErrors(t *testing.T) {
	var calls atomic.Int32
	_, h := serve(t)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		h.ServeHTTP(w, r)
	}))
	defer ts.Close()
	c, _ := client.NewRemote(fastRetries(ts.URL))
	if _, err := c.Policy(context.Background(), "missing"); !errors.Is(err, engine.ErrNotFound) {
		t.Fatalf("error %v, want not found", err)
	}
	if calls.Load() != 1 {
		t.Fatalf("a 404 was sent %d times, want once", calls.Load())
	}
	bad, _ := client.NewRemote(client.RemoteConfig{Endpoint: ts.URL, Token: "wrong", RetryWaitMin: time.Millisecond})
	_, err := bad.Integration(context.Background())
	if !errors.Is(err, client.ErrUnauthorized) || calls.Load() != 2 {
		t.Fatalf("wrong token: %v after %d calls, want unauthorized at once", err, calls.Load())
	}
}

func TestRemoteConnectionRefusedIsRetried(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	url := ts.URL
	ts.Close() // nothing listens there any more
	cfg := fastRetries(url)
	cfg.RetryMax = 3
	c, _ := client.NewRemote(cfg)
	start := time.Now()
	_, err := c.Integration(context.Background())
	if err == nil || !strings.Contains(err.Error(), "giving up after 4 attempt") && !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("error %v, want connection refused after retries", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("retries took %v", time.Since(start))
	}
}

func TestNewRemoteChecksItsConfiguration(t *testing.T) {
	cases := []struct {
		name string
		cfg  client.RemoteConfig
		ok   bool
	}{
		{"https", client.RemoteConfig{Endpoint: "https://idp.example.com:8443", Token: "t"}, true},
		{"http on loopback", client.RemoteConfig{Endpoint: "http://127.0.0.1:8080/", Token: "t"}, true},
		{"http on a remote host", client.RemoteConfig{Endpoint: "http://idp.example.com", Token: "t"}, false},
		{"http on a remote host, allowed", client.RemoteConfig{Endpoint: "http://idp.example.com", Token: "t", AllowInsecureHTTP: true}, true},
		{"no token", client.RemoteConfig{Endpoint: "https://idp.example.com"}, false},
		{"not a URL", client.RemoteConfig{Endpoint: "idp.example.com:8443", Token: "t"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := client.NewRemote(tc.cfg)
			if (err == nil) != tc.ok || (err != nil && !errors.Is(err, engine.ErrInvalid)) {
				t.Fatalf("NewRemote: %v, want ok=%v (errors invalid)", err, tc.ok)
			}
		})
	}
}

func TestRemoteOverTLS(t *testing.T) {
	_, h := serve(t)
	ts := httptest.NewUnstartedServer(h)
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake below
	ts.StartTLS()
	defer ts.Close()
	transport, ok := ts.Client().Transport.(*http.Transport)
	if !ok {
		t.Fatalf("the test server's client transport is a %T", ts.Client().Transport)
	}
	c, err := client.NewRemote(client.RemoteConfig{Endpoint: ts.URL, Token: token, TLSConfig: transport.TLSClientConfig})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Policies(context.Background()); err != nil {
		t.Fatal(err)
	}
	untrusting, _ := client.NewRemote(client.RemoteConfig{Endpoint: ts.URL, Token: token, RetryWaitMin: time.Millisecond})
	if _, err := untrusting.Policies(context.Background()); err == nil {
		t.Fatal("a client that does not trust the certificate connected")
	}
}
