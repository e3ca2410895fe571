package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/idp/terraform-provider-idp/internal/client"
)

// Acceptance tests run the real Terraform CLI (TF_ACC=1; the binary from
// TF_ACC_TERRAFORM_PATH, else terraform on PATH) against providers served
// in-process. Each test has its own data directory, so tests run in
// parallel without sharing engine state.

// testEnv is one acceptance test's engine: its data directory and the
// provider factories that open it.
type testEnv struct {
	t       *testing.T
	dataDir string

	mu     sync.Mutex
	opened []client.Client
}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	e := &testEnv{t: t, dataDir: filepath.Join(t.TempDir(), "idp")}
	// Terraform starts a provider server, and so opens a client, for each
	// command it runs; providers get no shutdown call, so the test closes
	// what they opened once Terraform is done.
	t.Cleanup(func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		for _, c := range e.opened {
			_ = c.Close()
		}
	})
	return e
}

func (e *testEnv) factories() map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"idp": func() (tfprotov6.ProviderServer, error) {
			p := &idpProvider{version: "test", open: func(ctx context.Context, cfg clientConfig) (client.Client, error) {
				c, err := openEmbedded(ctx, cfg)
				if err == nil {
					e.mu.Lock()
					e.opened = append(e.opened, c)
					e.mu.Unlock()
				}
				return c, err
			}}
			return providerserver.NewProtocol6WithError(p)()
		},
	}
}

// config prefixes a configuration with a provider block on the test's
// data directory.
func (e *testEnv) config(body string) string {
	return fmt.Sprintf("provider \"idp\" {\n  data_dir = %q\n}\n\n%s", e.dataDir, body)
}

// engine opens the test's store directly, as the command line would: what
// a change made outside Terraform goes through, and what checks read.
func (e *testEnv) engine(fn func(ctx context.Context, c client.Client) error) error {
	ctx := context.Background()
	c, err := client.NewEmbedded(ctx, client.EmbeddedConfig{DataDir: e.dataDir})
	if err != nil {
		return err
	}
	defer c.Close()
	return fn(ctx, c)
}

// outside runs fn on the engine, failing the test on error: for PreConfig.
func (e *testEnv) outside(fn func(ctx context.Context, c client.Client) error) func() {
	return func() {
		if err := e.engine(fn); err != nil {
			e.t.Fatalf("changing the engine outside Terraform: %v", err)
		}
	}
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

func TestResolveConfig(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	env := func(vals map[string]string) func(string) string {
		return func(k string) string { return vals[k] }
	}
	tests := []struct {
		name   string
		config types.String
		env    map[string]string
		want   string
	}{
		{"default beside the configuration", types.StringNull(), nil, filepath.Join(wd, ".idp")},
		{"environment", types.StringNull(), map[string]string{envDataDir: "/var/lib/idp"}, "/var/lib/idp"},
		{"configuration wins", types.StringValue("/srv/idp"), map[string]string{envDataDir: "/var/lib/idp"}, "/srv/idp"},
		{"relative to the working directory", types.StringValue("state/idp"), nil, filepath.Join(wd, "state/idp")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := resolveConfig(providerModel{DataDir: tt.config}, env(tt.env))
			if got.DataDir != tt.want {
				t.Errorf("data dir = %q, want %q", got.DataDir, tt.want)
			}
		})
	}
}

func TestAccProvider_invalidDataDir(t *testing.T) {
	e := newTestEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{{
			Config:      "provider \"idp\" {\n  data_dir = \"\"\n}\n\ndata \"idp_alerts\" \"all\" {}\n",
			ExpectError: errorAt("Attribute data_dir string length must be at least 1"),
		}},
	})
}

func TestAccProvider_dataDirIsAFile(t *testing.T) {
	e := newTestEnv(t)
	file := filepath.Join(t.TempDir(), "not-a-dir")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{{
			Config:      fmt.Sprintf("provider \"idp\" {\n  data_dir = %q\n}\n\ndata \"idp_alerts\" \"all\" {}\n", file),
			ExpectError: errorAt("Unable to Open the idp Engine", "Original Error"),
		}},
	})
}
