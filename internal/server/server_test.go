package server_test

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
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/idp/terraform-provider-idp/internal/api"
	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/service"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
	"github.com/idp/terraform-provider-idp/internal/engine/store/storeopen"
	"github.com/idp/terraform-provider-idp/internal/server"
	"github.com/idp/terraform-provider-idp/internal/server/servertest"
)

const (
	tokenA = "token-a-3f9c1b7e2d5a6b8c0d1e2f3a4b5c6d7e"
	tokenB = "token-b-8e1d4a6c0f9e8d7c6b5a4f3e2d1c0b9a"
)

type fixture struct {
	svc    *service.Service
	srv    *server.Server
	tokens *server.Tokens
	url    string
	logs   *syncBuffer
}

// syncBuffer is a log destination several goroutines write.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newFixture(t *testing.T, cfg server.Config) *fixture {
	t.Helper()
	svc, err := storeopen.Service(context.Background(), service.Config{DataDir: t.TempDir(), FileSources: servertest.SourceRoots(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	tokens, err := server.NewTokens([]string{tokenA, tokenB})
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	cfg.Service, cfg.Tokens = svc, tokens
	cfg.Logger = hclog.New(&hclog.LoggerOptions{Level: hclog.Trace, Output: logs})
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &fixture{svc: svc, srv: srv, tokens: tokens, url: ts.URL, logs: logs}
}

// call sends a request with a token ("" for none) and returns the status
// and the body.
func call(t *testing.T, method, url, token string, body io.Reader) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

func errorCode(t *testing.T, body []byte) string {
	t.Helper()
	var e api.ErrorBody
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("error body %q is not the API's JSON: %v", body, err)
	}
	return string(e.Error.Code)
}

func record(id, user string) string {
	return fmt.Sprintf(`{"id":%q,"userId":%q,"userPrincipalName":"%s@contoso.com","riskEventType":"leakedCredentials","riskLevel":"high","riskState":"atRisk","activityDateTime":"2025-06-10T08:00:00Z"}`+"\n", id, user, user)
}

func batch(prefix string, n int) (string, []engine.DetectionKey) {
	var b strings.Builder
	keys := make([]engine.DetectionKey, n)
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("%s-%d", prefix, i)
		b.WriteString(record(id, fmt.Sprintf("user-%d", i%50)))
		keys[i] = engine.KeyOf(id)
	}
	return b.String(), keys
}

// stored counts how many of the keys the store holds.
func stored(t *testing.T, svc *service.Service, keys []engine.DetectionKey) int {
	t.Helper()
	var n int
	err := svc.Store().View(context.Background(), func(r store.Reader) error {
		got, err := r.Detections(context.Background(), keys)
		n = len(got)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestAuthentication(t *testing.T) {
	f := newFixture(t, server.Config{})
	cases := []struct {
		name   string
		header string
		want   int
	}{
		{"no header", "", http.StatusUnauthorized},
		{"wrong token", "Bearer not-the-token", http.StatusUnauthorized},
		{"a token's prefix", "Bearer " + tokenA[:8], http.StatusUnauthorized},
		{"basic auth", "Basic " + tokenA, http.StatusUnauthorized},
		{"empty bearer", "Bearer ", http.StatusUnauthorized},
		{"first token", "Bearer " + tokenA, http.StatusOK},
		{"second token (rotation)", "Bearer " + tokenB, http.StatusOK},
		{"scheme in lower case", "bearer " + tokenA, http.StatusOK},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, path := range []string{"/v1/integration", "/v1/no-such-route"} {
				req, _ := http.NewRequest(http.MethodGet, f.url+path, nil)
				if tc.header != "" {
					req.Header.Set("Authorization", tc.header)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				want := tc.want
				if want == http.StatusOK && path == "/v1/no-such-route" {
					want = http.StatusNotFound
				}
				if resp.StatusCode != want {
					t.Fatalf("%s: status %d, want %d", path, resp.StatusCode, want)
				}
				if want == http.StatusUnauthorized {
					if got := resp.Header.Get("WWW-Authenticate"); got != `Bearer realm="idp"` {
						t.Fatalf("WWW-Authenticate = %q", got)
					}
					if code := errorCode(t, body); code != "unauthorized" {
						t.Fatalf("code %q, want unauthorized", code)
					}
				}
			}
		})
	}
	// Probes need no token.
	for _, path := range []string{"/healthz", "/readyz"} {
		if status, _, _ := call(t, http.MethodGet, f.url+path, "", nil); status != http.StatusOK {
			t.Fatalf("%s without a token: %d", path, status)
		}
	}
	// Rotation done: only the new token remains.
	if err := f.tokens.Set([]string{tokenB}); err != nil {
		t.Fatal(err)
	}
	if status, _, _ := call(t, http.MethodGet, f.url+"/v1/integration", tokenA, nil); status != http.StatusUnauthorized {
		t.Fatalf("the retired token still works: %d", status)
	}
	if status, _, _ := call(t, http.MethodGet, f.url+"/v1/integration", tokenB, nil); status != http.StatusOK {
		t.Fatalf("the new token does not work: %d", status)
	}
}

func TestTokensAreNeverLogged(t *testing.T) {
	f := newFixture(t, server.Config{})
	wrong := "wrong-secret-5d2a9e"
	input, _ := batch("logged", 3)
	call(t, http.MethodGet, f.url+"/v1/integration", tokenA, nil)
	call(t, http.MethodGet, f.url+"/v1/integration", wrong, nil)
	call(t, http.MethodPost, f.url+"/v1/detections?source=s", tokenB, strings.NewReader(input))
	call(t, http.MethodGet, f.url+"/v1/alerts?user_principal_name="+wrong, tokenA, nil)
	logs := f.logs.String()
	if !strings.Contains(logs, "request") || !strings.Contains(logs, "/v1/detections") {
		t.Fatalf("the requests were not logged at all:\n%s", logs)
	}
	for _, secret := range []string{tokenA, tokenB, wrong} {
		if strings.Contains(logs, secret) {
			t.Fatalf("the log holds a token (%s):\n%s", secret, logs)
		}
	}
}

func TestPushNDJSONAndGraphPages(t *testing.T) {
	f := newFixture(t, server.Config{})
	input, keys := batch("nd", 20)
	status, _, body := call(t, http.MethodPost, f.url+"/v1/detections", tokenA, strings.NewReader(input+"{broken\n"))
	var sum engine.IngestSummary
	if err := json.Unmarshal(body, &sum); err != nil || status != http.StatusOK {
		t.Fatalf("push: %d %s", status, body)
	}
	if sum.Read != 21 || sum.Accepted != 20 || sum.Quarantined != 1 || sum.AlertsCreated != 20 {
		t.Fatalf("summary %+v", sum)
	}
	if n := stored(t, f.svc, keys); n != 20 {
		t.Fatalf("%d of 20 detections stored", n)
	}
	page := `{"value": [` + strings.TrimSpace(record("gp-1", "u1")) + `,` + strings.TrimSpace(record("gp-2", "u2")) + `], "@odata.nextLink": null}`
	status, _, body = call(t, http.MethodPost, f.url+"/v1/detections?source=graph", tokenA, strings.NewReader(page))
	if err := json.Unmarshal(body, &sum); err != nil || status != http.StatusOK || sum.Read != 2 || sum.Accepted != 2 {
		t.Fatalf("graph page push: %d %s", status, body)
	}
	devices := `{"id":"d1","userId":"u1","managementState":"managed","complianceState":"compliant","lastSyncDateTime":"2025-06-01T00:00:00Z"}` + "\n"
	status, _, body = call(t, http.MethodPost, f.url+"/v1/devices", tokenA, strings.NewReader(devices))
	if err := json.Unmarshal(body, &sum); err != nil || status != http.StatusOK || sum.Read != 1 || sum.Accepted != 1 {
		t.Fatalf("device push: %d %s", status, body)
	}
	var qs engine.QuarantinePage
	_, _, body = call(t, http.MethodGet, f.url+"/v1/quarantine", tokenA, nil)
	if err := json.Unmarshal(body, &qs); err != nil || qs.Total != 1 || len(qs.Entries) != 1 || qs.Entries[0].Source != "push" || qs.Entries[0].Line != 21 {
		t.Fatalf("quarantine: %s", body)
	}
}

// TestOversizeBodiesWriteNothing pushes bodies over the limit, announced
// (Content-Length) and not (chunked), small and spooled, and a body cut
// short by a client that goes away: each is refused and leaves nothing in
// the store.
func TestOversizeBodiesWriteNothing(t *testing.T) {
	const limit = 2 << 20
	f := newFixture(t, server.Config{MaxBodyBytes: limit})
	big, bigKeys := batch("big", 15000) // about 3 MiB
	if len(big) <= limit {
		t.Fatalf("the big batch is only %d bytes", len(big))
	}
	cases := []struct {
		name string
		body io.Reader
	}{
		{"announced length", strings.NewReader(big)},
		{"chunked", io.MultiReader(strings.NewReader(big))}, // no length known: sent chunked
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, _, body := call(t, http.MethodPost, f.url+"/v1/detections", tokenA, tc.body)
			if status != http.StatusRequestEntityTooLarge || errorCode(t, body) != "too_large" {
				t.Fatalf("status %d %s, want 413 too_large", status, body)
			}
			if n := stored(t, f.svc, bigKeys); n != 0 {
				t.Fatalf("%d detections of a refused body were stored", n)
			}
		})
	}

	t.Run("cut short", func(t *testing.T) {
		small, keys := batch("cut", 100)
		conn, err := net.Dial("tcp", strings.TrimPrefix(f.url, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "POST /v1/detections HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n\r\n%s",
			tokenA, len(small), small[:len(small)/2])
		conn.Close()
		time.Sleep(300 * time.Millisecond)
		if n := stored(t, f.svc, keys); n != 0 {
			t.Fatalf("%d detections of a body cut short were stored", n)
		}
	})

	t.Run("under the limit", func(t *testing.T) {
		ok, keys := batch("ok", 8000) // about 1.5 MiB: spooled, then ingested
		if len(ok) <= 1<<20 || len(ok) > limit {
			t.Fatalf("the batch is %d bytes; it should be spooled and under the limit", len(ok))
		}
		status, _, body := call(t, http.MethodPost, f.url+"/v1/detections", tokenA, io.MultiReader(strings.NewReader(ok)))
		if status != http.StatusOK || stored(t, f.svc, keys) != 8000 {
			t.Fatalf("status %d %s", status, body)
		}
	})
	var qs engine.QuarantinePage
	_, _, body := call(t, http.MethodGet, f.url+"/v1/quarantine", tokenA, nil)
	if err := json.Unmarshal(body, &qs); err != nil || qs.Total != 0 || len(qs.Entries) != 0 {
		t.Fatalf("refused bodies left quarantine entries: %s", body)
	}
}

func TestErrorAnswers(t *testing.T) {
	f := newFixture(t, server.Config{})
	u := f.url
	cases := []struct {
		name, method, path, body string
		status                   int
		code                     string
	}{
		{"unknown policy", "GET", "/v1/policies/nope", "", 404, "not_found"},
		{"delete unknown policy", "DELETE", "/v1/policies/nope", "", 404, "not_found"},
		{"invalid severity", "PUT", "/v1/policies/leaked_credentials", `{"type":"leaked_credentials","enabled":true,"severity":"severe"}`, 422, "invalid"},
		{"path and body disagree", "PUT", "/v1/policies/risky_sign_in", `{"type":"leaked_credentials","enabled":true}`, 400, "invalid"},
		{"not JSON", "PUT", "/v1/integration", `{"enabled": tru`, 400, "invalid"},
		{"unknown field", "PUT", "/v1/integration", `{"enabled": true, "retention_days": 30, "surprise": 1}`, 400, "invalid"},
		{"bad retention", "PUT", "/v1/integration", `{"enabled": true, "retention_days": 0}`, 422, "invalid"},
		{"bad alert filter", "GET", "/v1/alerts?min_severity=severe", "", 400, "invalid"},
		{"unknown alert filter", "GET", "/v1/alerts?colour=red", "", 400, "invalid"},
		{"bad since", "GET", "/v1/alerts?since=yesterday", "", 400, "invalid"},
		{"create a taken name", "POST", "/v1/policies", `{"type":"custom","name":"dup","enabled":true,"condition":"true"}`, 409, "conflict"},
		{"unknown route", "GET", "/v1/nothing", "", 404, "not_found"},
	}
	call(t, "POST", u+"/v1/policies", tokenA, strings.NewReader(`{"type":"custom","name":"dup","enabled":true,"condition":"true"}`))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var body io.Reader
			if tc.body != "" {
				body = strings.NewReader(tc.body)
			}
			status, _, b := call(t, tc.method, u+tc.path, tokenA, body)
			if status != tc.status || errorCode(t, b) != tc.code {
				t.Fatalf("%d %s, want %d %s", status, b, tc.status, tc.code)
			}
		})
	}
	// Disabled: 409 with its own code.
	call(t, "PUT", u+"/v1/integration", tokenA, strings.NewReader(`{"enabled": false, "retention_days": 30, "actions": {}}`))
	input, _ := batch("off", 1)
	status, _, b := call(t, "POST", u+"/v1/detections", tokenA, strings.NewReader(input))
	if status != http.StatusConflict || errorCode(t, b) != "disabled" {
		t.Fatalf("push while disabled: %d %s", status, b)
	}
}

func TestMetricsCountIngests(t *testing.T) {
	f := newFixture(t, server.Config{})
	input, _ := batch("m", 7)
	call(t, http.MethodPost, f.url+"/v1/detections", tokenA, strings.NewReader(input+"{bad\n"))
	_, _, body := call(t, http.MethodGet, f.url+"/metrics", tokenA, nil)
	for _, want := range []string{
		`idp_ingest_records_total{outcome="read",type="detections"} 8`,
		`idp_ingest_records_total{outcome="accepted",type="detections"} 7`,
		`idp_ingest_records_total{outcome="quarantined",type="detections"} 1`,
		`idp_alerts_total{change="created"} 7`,
		`idp_ingest_duration_seconds_count{origin="push",type="detections"} 1`,
		`idp_http_requests_total{code="200",route="POST /v1/detections"} 1`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestReadiness(t *testing.T) {
	f := newFixture(t, server.Config{})
	if status, _, _ := call(t, http.MethodGet, f.url+"/readyz", "", nil); status != http.StatusOK {
		t.Fatalf("readyz = %d", status)
	}
	f.svc.Close()
	if status, _, _ := call(t, http.MethodGet, f.url+"/readyz", "", nil); status != http.StatusServiceUnavailable {
		t.Fatalf("readyz with the store closed = %d, want 503", status)
	}
}

func TestPollerPullsTheConfiguredSource(t *testing.T) {
	f := newFixture(t, server.Config{PollInterval: 50 * time.Millisecond})
	path := filepath.Join(t.TempDir(), "in.ndjson")
	input, keys := batch("polled", 5)
	if err := os.WriteFile(path, []byte(input), 0o600); err != nil {
		t.Fatal(err)
	}
	in := engine.DefaultIntegration()
	in.Source = &engine.Source{File: &engine.FileSource{Detections: []string{path}}}
	if _, err := f.svc.SetIntegration(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- f.srv.Serve(ctx, ln, nil) }()
	deadline := time.Now().Add(10 * time.Second)
	for stored(t, f.svc, keys) != 5 {
		if time.Now().After(deadline) {
			t.Fatal("the poller did not pull the source")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestGracefulShutdownLosesNothing stops the server while pushes are in
// flight: every push answered 200 is in the store in full, and every other
// push is either wholly in or wholly out (each is one transaction).
func TestGracefulShutdownLosesNothing(t *testing.T) {
	f := newFixture(t, server.Config{ShutdownTimeout: 20 * time.Second})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- f.srv.Serve(ctx, ln, nil) }()

	type result struct {
		keys []engine.DetectionKey
		ok   bool
	}
	results := make(chan result, 1000)
	var wg sync.WaitGroup
	started := make(chan struct{}, 100)
	for w := 0; w < 6; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			client := &http.Client{Timeout: 30 * time.Second}
			for i := 0; ; i++ {
				input, keys := batch(fmt.Sprintf("w%d-b%d", w, i), 1500)
				req, _ := http.NewRequest(http.MethodPost, url+"/v1/detections", strings.NewReader(input))
				req.Header.Set("Authorization", "Bearer "+tokenA)
				select {
				case started <- struct{}{}:
				default:
				}
				resp, err := client.Do(req)
				if err != nil {
					results <- result{keys, false}
					return // the server is gone: the listener is closed
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				results <- result{keys, resp.StatusCode == http.StatusOK}
				if resp.StatusCode != http.StatusOK {
					return
				}
			}
		}(w)
	}
	for i := 0; i < 12; i++ {
		<-started
	}
	time.Sleep(200 * time.Millisecond)
	cancel() // SIGTERM
	if err := <-served; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	wg.Wait()
	close(results)
	var okCount, failed int
	for r := range results {
		n := stored(t, f.svc, r.keys)
		switch {
		case r.ok && n != len(r.keys):
			t.Fatalf("a push answered 200 has %d of its %d detections stored", n, len(r.keys))
		case !r.ok && n != 0 && n != len(r.keys):
			t.Fatalf("a failed push was half-written: %d of %d", n, len(r.keys))
		}
		if r.ok {
			okCount++
		} else {
			failed++
		}
	}
	if okCount == 0 {
		t.Fatal("no push succeeded before the shutdown; the test proves nothing")
	}
	t.Logf("%d pushes answered 200, %d failed cleanly", okCount, failed)
}

func TestListenRefusesPlaintextOnTheNetwork(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		addr            string
		tls, insecure   bool
		wantPlainRefuse bool
	}{
		{"127.0.0.1:8443", false, false, false},
		{"[::1]:8443", false, false, false},
		{"localhost:8443", false, false, false},
		{":8443", false, false, true},
		{"0.0.0.0:8443", false, false, true},
		{"192.0.2.10:8443", false, false, true},
		{"0.0.0.0:8443", true, false, false},
		{"0.0.0.0:8443", false, true, false},
	}
	for _, tc := range cases {
		err := server.CheckListen(ctx, tc.addr, tc.tls, tc.insecure)
		if got := errors.Is(err, server.ErrPlaintextExposed); got != tc.wantPlainRefuse || (!tc.wantPlainRefuse && err != nil) {
			t.Errorf("CheckListen(%s, tls=%v, insecure=%v) = %v", tc.addr, tc.tls, tc.insecure, err)
		}
	}
}

func TestServeTLS(t *testing.T) {
	f := newFixture(t, server.Config{})
	certFile, keyFile, pool := servertest.SelfSigned(t)
	cfg, err := server.TLSConfig(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- f.srv.Serve(ctx, ln, cfg) }()
	defer func() {
		cancel()
		<-served
	}()
	addr := ln.Addr().String()
	trusting := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	req, _ := http.NewRequest(http.MethodGet, "https://"+addr+"/v1/integration", nil)
	req.Header.Set("Authorization", "Bearer "+tokenA)
	resp, err := trusting.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.TLS == nil {
		t.Fatalf("over TLS: %d", resp.StatusCode)
	}
	if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Fatal("plain HTTP was answered on the TLS port")
		}
	}
	if _, err := server.TLSConfig(certFile, ""); err == nil {
		t.Fatal("a certificate without its key was accepted")
	}
}

func TestReadTokens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens")
	long := func(name string) string { return name + strings.Repeat("-0123456789", 3) }
	os.WriteFile(path, []byte("# the current token\n"+long("alpha")+"\n\n  "+long("beta")+"  \n#gamma\n"), 0o600)
	got, err := server.ReadTokens(path, long("delta")+", "+long("alpha")+"\n"+long("epsilon"))
	if err != nil || strings.Join(got, " ") != strings.Join([]string{long("alpha"), long("beta"), long("delta"), long("epsilon")}, " ") {
		t.Fatalf("ReadTokens = %v, %v", got, err)
	}
	if _, err := server.ReadTokens("", " ,\n"); !errors.Is(err, server.ErrNoTokens) {
		t.Fatalf("no tokens: %v, want ErrNoTokens", err)
	}
	if _, err := server.ReadTokens(filepath.Join(t.TempDir(), "missing"), ""); err == nil {
		t.Fatal("a missing token file was accepted")
	}
}
