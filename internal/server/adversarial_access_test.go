//go:build unix

package server_test

// Adversarial tests of who may make engine serve do what: a token holder
// reading files outside the source roots (finding 1), sending credentials
// to a host of theirs (2), wedging the server with a FIFO or a store that
// does not answer (3), a database password printed in an error (8), and
// weak tokens, loose token files and open metrics (10). Each runs the real
// server over real HTTP on a real SQLite store; Microsoft Graph is the
// graphtest stand-in, and the attacker's host a listener that records
// whatever reaches it.

import (
	"bytes"
	"context"
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
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/idp/terraform-provider-idp/internal/api"
	"github.com/idp/terraform-provider-idp/internal/cli"
	"github.com/idp/terraform-provider-idp/internal/client"
	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest/filesource"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph/graphtest"
	"github.com/idp/terraform-provider-idp/internal/engine/service"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
	"github.com/idp/terraform-provider-idp/internal/engine/store/sqlite"
	"github.com/idp/terraform-provider-idp/internal/server"
)

// The tokens of the access tests: one of each scope, as a token file
// gives them.
const (
	accessReadToken  = "read-4f1e2d3c4b5a69788796a5b4c3d2e1f0"
	accessAdminToken = "admin-0f1e2d3c4b5a69788796a5b4c3d2e1f"
)

// accessEnv is an engine serve whose operator named one source root and
// allowed the hosts the test gives, with a read and an admin token.
type accessEnv struct {
	url     string // the API, on a real loopback listener
	svc     *service.Service
	srv     *server.Server
	root    string // the source root
	dataDir string
	logs    *syncBuffer
}

type accessOptions struct {
	graphHosts    []string
	publicMetrics bool
	wrap          func(store.Store) store.Store
}

func newAccessEnv(t *testing.T, opts accessOptions) *accessEnv {
	t.Helper()
	dir := t.TempDir()
	e := &accessEnv{root: filepath.Join(dir, "sources"), dataDir: filepath.Join(dir, "data"), logs: &syncBuffer{}}
	if err := os.MkdirAll(e.root, 0o700); err != nil {
		t.Fatal(err)
	}
	logger := hclog.New(&hclog.LoggerOptions{Level: hclog.Trace, Output: e.logs})
	cfg := service.Config{DataDir: e.dataDir, Logger: logger.Named("engine"), Graph: graph.Config{RequestsPerSecond: -1, MaxAttempts: 2}}
	accessOperator(t, &cfg, e.root, opts.graphHosts)
	st, err := sqlite.Open(context.Background(), e.dataDir, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var s store.Store = st
	if opts.wrap != nil {
		s = opts.wrap(st)
	}
	e.svc = service.New(s, cfg)
	t.Cleanup(func() { e.svc.Close() })
	scfg := server.Config{Service: e.svc, Tokens: accessTokens(t), Logger: logger, ShutdownTimeout: 2 * time.Second}
	accessMetrics(&scfg, opts.publicMetrics)
	if e.srv, err = server.New(scfg); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(e.srv.Handler())
	t.Cleanup(ts.Close)
	e.url = ts.URL
	return e
}

// accessOperator is what the operator configured: the source roots and
// the hosts besides Microsoft's that credentials may go to.
func accessOperator(t *testing.T, cfg *service.Config, root string, graphHosts []string) {
	t.Helper()
	access, err := filesource.Restrict([]string{root})
	if err != nil {
		t.Fatal(err)
	}
	cfg.FileSources = access
	cfg.Graph.AllowHosts = graphHosts
}

// accessTokens is the token file "read:<read token>" and "<admin token>"
// (a bare line: admin, as before scopes).
func accessTokens(t *testing.T) *server.Tokens {
	t.Helper()
	tokens, err := server.NewTokens([]string{"read:" + accessReadToken, accessAdminToken})
	if err != nil {
		t.Fatal(err)
	}
	return tokens
}

func accessMetrics(cfg *server.Config, public bool) { cfg.PublicMetrics = public }

// request sends a request with a JSON body (nil for none), bounded so that
// a server that hangs fails the test instead of wedging it.
func (e *accessEnv) request(t *testing.T, method, path, token string, body any) (int, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.url+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v (the server did not answer)", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// accessRefused checks a 422 (or the status given) whose JSON error names field.
func accessRefused(t *testing.T, status int, body []byte, want int, field, words string) {
	t.Helper()
	var e api.ErrorBody
	if status != want || json.Unmarshal(body, &e) != nil || e.Error.Field != field || !strings.Contains(e.Error.Message, words) {
		t.Fatalf("answer %d %s; want %d about %s saying %q", status, body, want, field, words)
	}
}

func accessFileIntegration(paths ...string) engine.Integration {
	in := engine.DefaultIntegration()
	in.Source = &engine.Source{File: &engine.FileSource{Detections: paths}}
	return in
}

// Finding 1: a token holder points a file source at files the server can
// read (a secret next to the roots, the system's files, a link or ".."
// out of the root, a file swapped for a link after it was accepted), and
// syncs: every attempt is refused naming the path rule, and no line of
// those files ever shows in the quarantine.
func TestAccessFileSourcesStayUnderTheRoots(t *testing.T) {
	e := newAccessEnv(t, accessOptions{})
	marker := "TOP-SECRET-" + fmt.Sprint(time.Now().UnixNano())
	secret := filepath.Join(filepath.Dir(e.root), "tls.key")
	if err := os.WriteFile(secret, []byte(marker+"\n{\"not\":\"a detection\",\"key\":\""+marker+"\"}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(e.root, "innocent.ndjson")
	if err := os.Symlink(secret, link); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{secret, "/etc/os-release", e.root + "/../tls.key", link} {
		status, body := e.request(t, http.MethodPut, "/v1/integration", accessAdminToken, accessFileIntegration(path))
		accessRefused(t, status, body, http.StatusUnprocessableEntity, "source.file.detections", "not under a source root")
	}

	// Accepted while it was a plain file under the root, then swapped
	// for a link to the secret: the sync refuses it too.
	swapped := filepath.Join(e.root, "later.ndjson")
	if err := os.WriteFile(swapped, []byte(record("ok-1", "u1")), 0o600); err != nil {
		t.Fatal(err)
	}
	if status, body := e.request(t, http.MethodPut, "/v1/integration", accessAdminToken, accessFileIntegration(swapped)); status != http.StatusOK {
		t.Fatalf("a file under the root: %d %s", status, body)
	}
	if err := os.Remove(swapped); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, swapped); err != nil {
		t.Fatal(err)
	}
	status, body := e.request(t, http.MethodPost, "/v1/sync", accessAdminToken, nil)
	if status != http.StatusUnprocessableEntity || !strings.Contains(string(body), "not under a source root") {
		t.Fatalf("sync through a swapped link: %d %s; want 422 naming the rule", status, body)
	}

	for _, token := range []string{accessReadToken, accessAdminToken} {
		status, body := e.request(t, http.MethodGet, "/v1/quarantine", token, nil)
		if status != http.StatusOK || strings.Contains(string(body), marker) {
			t.Fatalf("quarantine: %d %s; the secret file's lines must never be there", status, body)
		}
	}
}

// accessCatcher is the attacker's host: it records every request that reaches
// it, headers and body.
type accessCatcher struct {
	srv  *httptest.Server
	mu   sync.Mutex
	seen []string
}

func newAccessCatcher(t *testing.T) *accessCatcher {
	t.Helper()
	c := &accessCatcher{}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		c.mu.Lock()
		c.seen = append(c.seen, fmt.Sprintf("%s %s %v %s", r.Method, r.URL, r.Header, b))
		c.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"stolen","token_type":"Bearer","expires_in":3600,"value":[]}`)
	}))
	t.Cleanup(c.srv.Close)
	return c
}

func (c *accessCatcher) requests() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.seen...)
}

func accessGraphIntegration(g engine.GraphSource) engine.Integration {
	in := engine.DefaultIntegration()
	in.Source = &engine.Source{Graph: &g}
	return in
}

// Finding 2: a token holder sets authority_url or graph_url to a host of
// theirs, and syncs, with the server's secret coming from its environment
// or from the store; and a Graph page's nextLink points at that host.
// Nothing reaches it: the settings are refused naming the attribute, a
// stored one is refused when synced, and the nextLink is not followed.
func TestAccessCredentialsGoOnlyToAllowedHosts(t *testing.T) {
	const envSecret = "Env+s3cr3t/From=Operator~1"
	t.Setenv(service.GraphSecretEnv, envSecret)
	t.Setenv(graph.AllowedHostsEnv, "")
	evil := newAccessCatcher(t)
	gsrv := graphtest.NewServer("contoso.onmicrosoft.com", "app", "Stored+s3cr3t/Val=2")
	t.Cleanup(gsrv.Close)
	front := accessFakeGraph(t, evil.srv.URL)
	e := newAccessEnv(t, accessOptions{graphHosts: []string{gsrv.Host(), accessHostOf(front), accessHostOf(evil.srv.URL)}})

	base := engine.GraphSource{TenantID: gsrv.TenantID, ClientID: gsrv.ClientID}
	strict := newAccessEnvWithHosts(t, gsrv.Host())
	for _, tc := range []struct {
		field string
		g     engine.GraphSource
	}{
		{"source.graph.authority_url", engine.GraphSource{AuthorityURL: evil.srv.URL, GraphURL: gsrv.URL}},
		{"source.graph.graph_url", engine.GraphSource{AuthorityURL: gsrv.URL, GraphURL: evil.srv.URL}},
		{"source.graph.authority_url", engine.GraphSource{AuthorityURL: "https://login.attacker.example"}},
	} {
		g := base
		g.AuthorityURL, g.GraphURL = tc.g.AuthorityURL, tc.g.GraphURL
		status, body := strict.request(t, http.MethodPut, "/v1/integration", accessAdminToken, accessGraphIntegration(g))
		accessRefused(t, status, body, http.StatusUnprocessableEntity, tc.field, "host not allowed")
		if status, body := strict.request(t, http.MethodPost, "/v1/sync", accessAdminToken, nil); status != http.StatusOK {
			t.Fatalf("sync after a refused setting: %d %s", status, body)
		}
	}

	// Written into the store past the API (by an engine allowed more, or
	// before the allow-list existed): the sync refuses it, sending nothing.
	stored := base
	stored.AuthorityURL, stored.GraphURL = evil.srv.URL, evil.srv.URL
	err := strict.svc.Store().Update(context.Background(), func(tx store.Tx) error {
		return tx.PutIntegration(context.Background(), accessGraphIntegration(stored))
	})
	if err != nil {
		t.Fatal(err)
	}
	status, body := strict.request(t, http.MethodPost, "/v1/sync", accessAdminToken, nil)
	if status != http.StatusUnprocessableEntity || !strings.Contains(string(body), "host not allowed") {
		t.Fatalf("sync of a stored disallowed host: %d %s", status, body)
	}

	// A Graph page whose nextLink leads to another host, even an allowed
	// one: the bearer token does not follow it.
	g := base
	g.AuthorityURL, g.GraphURL = front, front
	if status, body := e.request(t, http.MethodPut, "/v1/integration", accessAdminToken, accessGraphIntegration(g)); status != http.StatusOK {
		t.Fatalf("a graph source on an allowed host: %d %s", status, body)
	}
	status, body = e.request(t, http.MethodPost, "/v1/sync", accessAdminToken, nil)
	if status == http.StatusOK || !strings.Contains(string(body)+e.logs.String(), "nextLink") {
		t.Fatalf("sync with a foreign nextLink: %d %s; want it refused", status, body)
	}

	if got := evil.requests(); len(got) != 0 {
		t.Fatalf("the attacker's host received %d requests: %q", len(got), got)
	}
	for _, logs := range []string{e.logs.String(), strict.logs.String()} {
		if strings.Contains(logs, envSecret) || strings.Contains(logs, "stolen") {
			t.Fatalf("the log holds a secret:\n%s", logs)
		}
	}
}

// newAccessEnvWithHosts is an accessEnv allowing these hosts only.
func newAccessEnvWithHosts(t *testing.T, hosts ...string) *accessEnv {
	return newAccessEnv(t, accessOptions{graphHosts: hosts})
}

func accessHostOf(rawURL string) string {
	return strings.TrimPrefix(strings.TrimPrefix(rawURL, "http://"), "https://")
}

// accessFakeGraph issues tokens and answers every collection with an
// empty page whose nextLink points at next.
func accessFakeGraph(t *testing.T, next string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/token") {
			fmt.Fprint(w, `{"access_token":"fake-graph-token-9f8e7d6c","token_type":"Bearer","expires_in":3600}`)
			return
		}
		fmt.Fprintf(w, `{"value":[],"@odata.nextLink":%q}`, next+r.URL.Path+"?$skiptoken=2")
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// Finding 2 (secrets): a secret written through the API is never read
// back, by either scope, and is not in the store's files in plaintext.
func TestAccessSecretsAreNeverReadable(t *testing.T) {
	const secret = "Wr1tten+s3cr3t/Val=&~Qq"
	gsrv := graphtest.NewServer("contoso.onmicrosoft.com", "app", secret)
	t.Cleanup(gsrv.Close)
	e := newAccessEnv(t, accessOptions{graphHosts: []string{gsrv.Host()}})
	g := engine.GraphSource{TenantID: gsrv.TenantID, ClientID: gsrv.ClientID, ClientSecret: secret, AuthorityURL: gsrv.URL, GraphURL: gsrv.URL}
	status, body := e.request(t, http.MethodPut, "/v1/integration", accessAdminToken, accessGraphIntegration(g))
	answers := []string{string(body)}
	if status != http.StatusOK {
		t.Fatalf("PUT: %d %s", status, body)
	}
	if status, body := e.request(t, http.MethodPost, "/v1/sync", accessAdminToken, nil); status != http.StatusOK {
		t.Fatalf("sync with the stored secret: %d %s", status, body)
	}
	for _, token := range []string{accessReadToken, accessAdminToken} {
		for _, path := range []string{"/v1/integration", "/v1/status"} {
			status, body := e.request(t, http.MethodGet, path, token, nil)
			if status != http.StatusOK {
				t.Fatalf("GET %s: %d %s", path, status, body)
			}
			answers = append(answers, string(body))
		}
	}
	for _, a := range answers {
		if strings.Contains(a, secret) || strings.Contains(a, "sealed") {
			t.Fatalf("an answer holds the secret: %s", a)
		}
	}
	if !strings.Contains(answers[1], `"client_secret_set":true`) {
		t.Fatalf("GET /v1/integration = %s; want client_secret_set true", answers[1])
	}
	err := filepath.WalkDir(e.dataDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err == nil && bytes.Contains(b, []byte(secret)) {
			t.Errorf("%s holds the secret in plaintext", path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(e.logs.String(), secret) {
		t.Fatal("the log holds the secret")
	}
}

// Finding 3: a FIFO as a source. It is refused when written; a path that
// becomes a FIFO after it was accepted fails the sync at once, through the
// API, the remote client and the poller; reads and readiness answer
// meanwhile; and the server stops when told to.
func TestAccessFIFOSourceHangsNothing(t *testing.T) {
	e := newAccessEnv(t, accessOptions{})
	fifo := filepath.Join(e.root, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	status, body := e.request(t, http.MethodPut, "/v1/integration", accessAdminToken, accessFileIntegration(fifo))
	accessRefused(t, status, body, http.StatusUnprocessableEntity, "source.file.detections", "not a regular file")

	later := filepath.Join(e.root, "later")
	if status, body := e.request(t, http.MethodPut, "/v1/integration", accessAdminToken, accessFileIntegration(later)); status != http.StatusOK {
		t.Fatalf("a file to come: %d %s", status, body)
	}
	if err := syscall.Mkfifo(later, 0o600); err != nil {
		t.Fatal(err)
	}
	status, body = e.request(t, http.MethodPost, "/v1/sync", accessAdminToken, nil)
	if status != http.StatusUnprocessableEntity || !strings.Contains(string(body), "not a regular file") {
		t.Fatalf("sync of a FIFO: %d %s; want 422 at once", status, body)
	}
	c, err := client.NewRemote(client.RemoteConfig{Endpoint: e.url, Token: accessAdminToken, RetryMax: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Sync(context.Background()); !errors.Is(err, engine.ErrInvalid) {
		t.Fatalf("remote Sync of a FIFO = %v, want ErrInvalid", err)
	}

	// The real server, polling the FIFO: it answers reads and readiness,
	// and stops when its context ends.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	polling, err := server.New(server.Config{Service: e.svc, Tokens: accessTokens(t), PollInterval: 10 * time.Millisecond, ShutdownTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- polling.Serve(ctx, ln, nil) }()
	live := &accessEnv{url: "http://" + ln.Addr().String()}
	for _, path := range []string{"/v1/alerts", "/v1/status"} {
		if status, body := live.request(t, http.MethodGet, path, accessReadToken, nil); status != http.StatusOK {
			t.Fatalf("GET %s while polling a FIFO: %d %s", path, status, body)
		}
	}
	if status, body := live.request(t, http.MethodGet, "/readyz", "", nil); status != http.StatusOK {
		t.Fatalf("readyz while polling a FIFO: %d %s (the server serves)", status, body)
	}
	cancel()
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("Serve did not return after its context ended: the FIFO wedged it")
	}
}

// accessWedgedStore stops answering reads, ignoring their contexts, once wedged:
// a store the server cannot serve from.
type accessWedgedStore struct {
	store.Store
	wedged  atomic.Bool
	stuck   atomic.Int32 // reads waiting
	release chan struct{}
}

func (w *accessWedgedStore) View(ctx context.Context, fn func(store.Reader) error) error {
	if w.wedged.Load() {
		w.stuck.Add(1)
		<-w.release
	}
	return w.Store.View(ctx, fn)
}

// Finding 3 (readiness, shutdown): while the store does not answer,
// /readyz says 503 rather than 200 or nothing, and a shutdown returns
// within its timeout even with a request stuck on that store.
func TestAccessWedgedStoreIsNotReadyAndShutdownIsBounded(t *testing.T) {
	ws := &accessWedgedStore{release: make(chan struct{})}
	t.Cleanup(func() { close(ws.release) })
	e := newAccessEnv(t, accessOptions{wrap: func(s store.Store) store.Store { ws.Store = s; return ws }})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- e.srv.Serve(ctx, ln, nil) }()
	live := &accessEnv{url: "http://" + ln.Addr().String()}
	if status, body := live.request(t, http.MethodGet, "/readyz", "", nil); status != http.StatusOK {
		t.Fatalf("readyz before: %d %s", status, body)
	}
	ws.wedged.Store(true)
	// The first probe waits for the store until its timeout; the second,
	// while that read is still stuck, answers at once.
	for i := 0; i < 2; i++ {
		if status, body := live.request(t, http.MethodGet, "/readyz", "", nil); status != http.StatusServiceUnavailable {
			t.Fatalf("readyz with the store wedged: %d %s; want 503", status, body)
		}
	}
	go func() {
		req, _ := http.NewRequest(http.MethodGet, live.url+"/v1/integration", nil)
		req.Header.Set("Authorization", "Bearer "+accessReadToken)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	// Shut down once the request is stuck in the store, beside the first
	// probe's read.
	for ws.stuck.Load() < 2 {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-served:
		if !errors.Is(err, server.ErrShutdownTimeout) {
			t.Fatalf("Serve = %v, want ErrShutdownTimeout (a request was stuck)", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("Serve did not return: a stuck request held the shutdown past its timeout")
	}
}

// Finding 8: a malformed database URL is refused without its password,
// whether it comes from --database-url or IDP_DATABASE_URL.
func TestAccessDatabasePasswordNeverPrinted(t *testing.T) {
	const password = "Db-Pa55w0rd-Xq7"
	bad := "host=127.0.0.1 password = " + password + " sslmode=bogus"
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
	}{
		{"serve --database-url", []string{"serve", "--listen", "127.0.0.1:0", "--database-url", bad}, nil},
		{"alerts, IDP_DATABASE_URL", []string{"alerts"}, map[string]string{"IDP_DATABASE_URL": bad}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"IDP_TOKENS": accessAdminToken}
			for k, v := range tc.env {
				env[k] = v
			}
			var stdout, stderr bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			code := cli.Run(ctx, append(tc.args, "--data-dir", t.TempDir()), cli.Env{
				Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr,
				Getenv: func(k string) string { return env[k] },
			})
			out := stdout.String() + stderr.String()
			if code == cli.ExitOK || !strings.Contains(out, "PostgreSQL") {
				t.Fatalf("exit %d, output %q; want a refusal of the URL", code, out)
			}
			if strings.Contains(out, password) {
				t.Fatalf("the output holds the password: %q", out)
			}
		})
	}
}

// Finding 10: a one-character token and a token file others can read
// stop engine serve before it listens; a read token reads and is refused
// everything else with 403 and the API's error body; /metrics needs a
// token unless the operator makes it public.
func TestAccessTokenRulesAndScopes(t *testing.T) {
	dir := t.TempDir()
	loose := filepath.Join(dir, "tokens")
	if err := os.WriteFile(loose, []byte(accessAdminToken+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(loose, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"a one-character token", nil, map[string]string{"IDP_TOKENS": "x"}, "shorter than 32"},
		{"a token file others can read", []string{"--token-file", loose}, nil, "chmod 600"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			// Bounded: a server that starts anyway is stopped, and fails.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			args := append([]string{"serve", "--listen", "127.0.0.1:0", "--data-dir", filepath.Join(dir, "data"), "--poll-interval", "0"}, tc.args...)
			code := cli.Run(ctx, args, cli.Env{Stdout: io.Discard, Stderr: &stderr, Getenv: func(k string) string { return tc.env[k] }})
			if code != cli.ExitUsage || !strings.Contains(stderr.String(), tc.want) {
				t.Fatalf("exit %d, stderr %q; want exit %d saying %q", code, stderr.String(), cli.ExitUsage, tc.want)
			}
		})
	}

	e := newAccessEnv(t, accessOptions{})
	for _, path := range []string{"/v1/alerts", "/v1/users", "/v1/remediations", "/v1/quarantine", "/v1/status", "/v1/policies", "/v1/integration"} {
		if status, body := e.request(t, http.MethodGet, path, accessReadToken, nil); status != http.StatusOK {
			t.Errorf("read token, GET %s: %d %s", path, status, body)
		}
	}
	writes := []struct {
		method, path string
		body         any
	}{
		{http.MethodPost, "/v1/sync", nil},
		{http.MethodPut, "/v1/integration", engine.DefaultIntegration()},
		{http.MethodPost, "/v1/integration", engine.DefaultIntegration()},
		{http.MethodDelete, "/v1/integration", nil},
		{http.MethodPost, "/v1/policies", engine.Policy{Type: "custom", Name: "p", Enabled: true, Condition: "true"}},
		{http.MethodPut, "/v1/policies/leaked_credentials", engine.Policy{Type: engine.PolicyLeakedCredentials, Enabled: false}},
		{http.MethodDelete, "/v1/policies/leaked_credentials", nil},
		{http.MethodPost, "/v1/detections", nil},
		{http.MethodPost, "/v1/devices", nil},
	}
	for _, w := range writes {
		status, body := e.request(t, w.method, w.path, accessReadToken, w.body)
		if status != http.StatusForbidden || errorCode(t, body) != "forbidden" {
			t.Errorf("read token, %s %s: %d %s; want 403 forbidden", w.method, w.path, status, body)
		}
	}
	if in, err := e.svc.Integration(context.Background()); err != nil || !in.Enabled {
		t.Fatalf("a refused write changed the integration: %+v, %v", in, err)
	}
	if status, body := e.request(t, http.MethodPut, "/v1/policies/leaked_credentials", accessAdminToken,
		engine.Policy{Type: engine.PolicyLeakedCredentials, Enabled: false, Severity: engine.SeverityLow}); status != http.StatusOK {
		t.Errorf("admin token, PUT a policy: %d %s", status, body)
	}

	if status, _ := e.request(t, http.MethodGet, "/metrics", "", nil); status != http.StatusUnauthorized {
		t.Errorf("/metrics without a token: %d, want 401", status)
	}
	if status, body := e.request(t, http.MethodGet, "/metrics", accessReadToken, nil); status != http.StatusOK || !strings.Contains(string(body), "idp_") {
		t.Errorf("/metrics with a read token: %d", status)
	}
	public := newAccessEnv(t, accessOptions{publicMetrics: true})
	if status, _ := public.request(t, http.MethodGet, "/metrics", "", nil); status != http.StatusOK {
		t.Errorf("/metrics made public: %d, want 200", status)
	}
}
