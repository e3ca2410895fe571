package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/idp/terraform-provider-idp/internal/client"
	"github.com/idp/terraform-provider-idp/internal/engine/service"
	"github.com/idp/terraform-provider-idp/internal/engine/store/postgres/pgtest"
	"github.com/idp/terraform-provider-idp/internal/engine/store/storeopen"
)

// Acceptance tests run the real Terraform CLI (TF_ACC=1; the binary from
// TF_ACC_TERRAFORM_PATH, else terraform on PATH) against providers served
// in-process. IDP_ACC_MODE chooses how the provider reaches the engine, so
// that the whole suite runs in each mode (scripts/acceptance.sh runs all
// three):
//
//	embedded (the default)  the embedded engine on SQLite, data_dir
//	postgres                the embedded engine on PostgreSQL, database_url
//	                        naming a fresh database of the server that
//	                        IDP_TEST_DATABASE_URL names (pgtest: the tests
//	                        skip without one, or fail with
//	                        IDP_TEST_POSTGRES=required)
//	remote                  endpoint, token and ca_file of an engine serve
//	                        the test starts on a loopback port, over TLS
//	                        with a self-signed certificate, SQLite behind it
//
// Each test has its own store (data directory, database or server), so
// tests run in parallel without sharing engine state. What a test does to
// the engine outside Terraform, and what its checks read, goes through the
// same mode's client: the embedded engine on the same store, or the remote
// client of the same server.

const envAccMode = "IDP_ACC_MODE"

type accMode string

const (
	modeEmbedded accMode = "embedded"
	modePostgres accMode = "postgres"
	modeRemote   accMode = "remote"
)

var accModes = []accMode{modeEmbedded, modePostgres, modeRemote}

func accModeFromEnv(t *testing.T) accMode {
	t.Helper()
	m := accMode(os.Getenv(envAccMode))
	if m == "" {
		return modeEmbedded
	}
	if !slices.Contains(accModes, m) {
		t.Fatalf("%s=%q: want one of %v", envAccMode, m, accModes)
	}
	return m
}

// testEnv is one acceptance test's engine, reached in the test's mode, and
// the provider factories that reach it.
type testEnv struct {
	t    *testing.T
	mode accMode
	// The store of the mode: dataDir (embedded), databaseURL (postgres) or
	// server (remote, with a SQLite store of its own).
	dataDir     string
	databaseURL string
	server      *testServer
	// tune adjusts the configuration of every engine the test opens (the
	// server's, in remote mode), for settings the provider block does not
	// have.
	tune func(*service.Config)

	mu     sync.Mutex
	opened []client.Client
	// outsideLog holds, at TRACE, what the engines the test opens outside
	// Terraform (e.engine: syncs, checks) log.
	outsideLog lockedBuffer
}

// lockedBuffer is a log destination several goroutines write.
type lockedBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// envOption adjusts a testEnv before its store is made.
type envOption func(*testEnv)

// onlyIn skips the test in other modes, saying why: for tests that do not
// depend on the mode (they write their own provider block) or that are
// about one mode.
func onlyIn(reason string, modes ...accMode) envOption {
	return func(e *testEnv) {
		if !slices.Contains(modes, e.mode) {
			e.t.Skipf("not run in %s mode: %s", e.mode, reason)
		}
	}
}

// unthrottledGraph makes the test's engines pull without the client-side
// limit of one Graph request a second, which only slows a test server down,
// and lets them send credentials to the graphtest stand-in on loopback, as
// an operator allows a host besides Microsoft's.
func unthrottledGraph(e *testEnv) {
	e.tune = func(c *service.Config) {
		c.Graph.RequestsPerSecond = -1
		c.Graph.AllowHosts = []string{"127.0.0.1"}
	}
}

func newTestEnv(t *testing.T, opts ...envOption) *testEnv {
	t.Helper()
	// Nothing to set up (databases, servers) for a run without TF_ACC,
	// which would skip the test anyway.
	if os.Getenv(resource.EnvTfAcc) == "" {
		t.Skipf("acceptance tests run only with %s=1", resource.EnvTfAcc)
	}
	e := &testEnv{t: t, mode: accModeFromEnv(t)}
	for _, o := range opts {
		o(e)
	}
	switch e.mode {
	case modeEmbedded:
		e.dataDir = filepath.Join(t.TempDir(), "idp")
	case modePostgres:
		e.databaseURL = pgtest.URL(t)
	case modeRemote:
		e.server = startServer(t, serverOptions{tune: e.tune})
	}
	t.Cleanup(e.closeOpened)
	return e
}

// closeOpened closes the clients the providers opened. Terraform starts a
// provider server for each command it runs, and providers get no shutdown
// call: the harness closes them when the next command starts, and at the
// end of the test. On PostgreSQL this keeps the open connections few.
func (e *testEnv) closeOpened() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, c := range e.opened {
		_ = c.Close()
	}
	e.opened = nil
}

func (e *testEnv) factories() map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"idp": func() (tfprotov6.ProviderServer, error) {
			// The commands of a test run one after the other, and the
			// testing framework stops one's provider servers before it
			// starts the next's.
			e.closeOpened()
			return providerserver.NewProtocol6WithError(&idpProvider{version: "test", open: e.open})()
		},
	}
}

// open is the providers' open: the provider's own, unless the test tunes
// the embedded engine.
func (e *testEnv) open(ctx context.Context, cfg clientConfig) (client.Client, error) {
	var c client.Client
	var err error
	if e.tune != nil && cfg.Endpoint == "" {
		sc := service.Config{DataDir: cfg.DataDir, DatabaseURL: cfg.DatabaseURL, Logger: engineLogger(ctx)}
		e.tune(&sc)
		var svc *service.Service
		if svc, err = storeopen.Service(ctx, sc); err == nil {
			c = client.NewEmbeddedService(svc)
		}
	} else {
		c, err = openClient(ctx, cfg)
	}
	if err == nil {
		e.mu.Lock()
		e.opened = append(e.opened, c)
		e.mu.Unlock()
	}
	return c, err
}

// providerBlock is the provider block that reaches the test's engine.
func (e *testEnv) providerBlock() string {
	switch e.mode {
	case modePostgres:
		return fmt.Sprintf("provider \"idp\" {\n  database_url = %q\n}\n", e.databaseURL)
	case modeRemote:
		return e.server.providerBlock()
	}
	return fmt.Sprintf("provider \"idp\" {\n  data_dir = %q\n}\n", e.dataDir)
}

// config prefixes a configuration with the provider block of the test's
// engine.
func (e *testEnv) config(body string) string {
	return e.providerBlock() + "\n" + body
}

// engine opens the test's engine directly, as the command line or another
// Terraform configuration would: what a change made outside Terraform goes
// through, and what checks read.
func (e *testEnv) engine(fn func(ctx context.Context, c client.Client) error) error {
	ctx := context.Background()
	var c client.Client
	var err error
	switch {
	case e.mode == modeRemote:
		c, err = e.server.client()
	default:
		sc := service.Config{DataDir: e.dataDir, DatabaseURL: e.databaseURL,
			Logger: hclog.New(&hclog.LoggerOptions{Name: "engine", Level: hclog.Trace, Output: &e.outsideLog})}
		if e.tune != nil {
			e.tune(&sc)
		}
		var svc *service.Service
		if svc, err = storeopen.Service(ctx, sc); err == nil {
			c = client.NewEmbeddedService(svc)
		}
	}
	if err != nil {
		return err
	}
	defer c.Close()
	return fn(ctx, c)
}

// storedPath is what the engine holds for a source file the configuration
// names: an absolute path with the embedded engine, the text as written in
// remote mode (the server resolves it on its host).
func (e *testEnv) storedPath(p string) string {
	if e.mode == modeRemote {
		return p
	}
	return absolute(p)
}

// outside runs fn on the engine, failing the test on error: for PreConfig.
func (e *testEnv) outside(fn func(ctx context.Context, c client.Client) error) func() {
	return func() {
		if err := e.engine(fn); err != nil {
			e.t.Fatalf("changing the engine outside Terraform: %v", err)
		}
	}
}

// sync processes the integration's source outside Terraform, as
// `terraform-provider-idp engine sync` (or the idp_sync action) would:
// reads never do, so a test that wants alerts from a source syncs first.
func (e *testEnv) sync() func() {
	return e.outside(func(ctx context.Context, c client.Client) error {
		_, err := c.Sync(ctx)
		return err
	})
}

// ingestFile pushes a file of detections into the test's store.
func (e *testEnv) ingestFile(path string) func() {
	return e.outside(func(ctx context.Context, c client.Client) error {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = c.IngestDetections(ctx, f, path)
		return err
	})
}

func testdataPath(t *testing.T, name string) string {
	t.Helper()
	abs, err := filepath.Abs(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// emptyPlanAfterApply is the check every applying step carries: the plan
// after apply and refresh proposes nothing.
var emptyPlanAfterApply = resource.ConfigPlanChecks{
	PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
}

// errorAt matches a diagnostic that names an attribute; Terraform wraps
// long lines, so the words may be split by any whitespace.
func errorAt(words ...string) *regexp.Regexp {
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = strings.Join(strings.Fields(regexp.QuoteMeta(w)), `\s+`)
	}
	return regexp.MustCompile(`(?s)` + strings.Join(quoted, `.*`))
}
