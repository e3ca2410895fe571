package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// The providers under test run in this process: settings in the
// environment would reach them and change the mode under test.
func TestMain(m *testing.M) {
	for _, s := range settings {
		os.Unsetenv(s.env)
	}
	os.Exit(m.Run())
}

func TestResolveConfig(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	null := types.StringNull()
	val := types.StringValue
	model := func(dataDir, databaseURL, endpoint, token, caFile types.String) providerModel {
		return providerModel{DataDir: dataDir, DatabaseURL: databaseURL, Endpoint: endpoint, Token: token, CAFile: caFile}
	}
	const (
		pg       = "postgres://idp@db.example.com/idp"
		endpoint = "https://idp.example.com:8443"
	)
	tests := []struct {
		name  string
		model providerModel
		env   map[string]string
		want  clientConfig
		// errs: the words of each expected error, and its attribute
		// ("" for none).
		errs []string
		at   []string
	}{
		{name: "default beside the configuration", model: model(null, null, null, null, null),
			want: clientConfig{DataDir: filepath.Join(wd, ".idp")}},
		{name: "data dir from the environment", model: model(null, null, null, null, null),
			env: map[string]string{envDataDir: "/var/lib/idp"}, want: clientConfig{DataDir: "/var/lib/idp"}},
		{name: "the configuration wins", model: model(val("/srv/idp"), null, null, null, null),
			env: map[string]string{envDataDir: "/var/lib/idp"}, want: clientConfig{DataDir: "/srv/idp"}},
		{name: "relative to the working directory", model: model(val("state/idp"), null, null, null, null),
			want: clientConfig{DataDir: filepath.Join(wd, "state/idp")}},
		{name: "database url", model: model(null, val(pg), null, null, null), want: clientConfig{DatabaseURL: pg}},
		{name: "database url from the environment", model: model(null, null, null, null, null),
			env: map[string]string{envDatabaseURL: pg}, want: clientConfig{DatabaseURL: pg}},
		{name: "both stores in the environment: PostgreSQL, as the command line",
			model: model(null, null, null, null, null),
			env:   map[string]string{envDatabaseURL: pg, envDataDir: "/var/lib/idp"}, want: clientConfig{DatabaseURL: pg}},
		{name: "data dir configured, database url in the environment",
			model: model(val("/srv/idp"), null, null, null, null), env: map[string]string{envDatabaseURL: pg},
			errs: []string{"IDP_DATABASE_URL (in the environment) and data_dir (in the provider block)"}, at: []string{"data_dir"}},
		{name: "database url configured, data dir in the environment",
			model: model(null, val(pg), null, null, null), env: map[string]string{envDataDir: "/var/lib/idp"},
			errs: []string{"database_url (in the provider block) and IDP_DATA_DIR (in the environment)"}, at: []string{"database_url"}},
		{name: "remote", model: model(null, null, val(endpoint), val("t0k"), null),
			want: clientConfig{Endpoint: endpoint, Token: "t0k"}},
		{name: "remote from the environment", model: model(null, null, null, null, null),
			env:  map[string]string{envEndpoint: endpoint, envToken: "t0k", envCAFile: "/etc/idp/ca.pem"},
			want: clientConfig{Endpoint: endpoint, Token: "t0k", CAFile: "/etc/idp/ca.pem"}},
		{name: "endpoint configured, token from the environment", model: model(null, null, val(endpoint), null, null),
			env: map[string]string{envToken: "t0k"}, want: clientConfig{Endpoint: endpoint, Token: "t0k"}},
		{name: "the configured token wins", model: model(null, null, null, val("mine"), null),
			env: map[string]string{envEndpoint: endpoint, envToken: "t0k"}, want: clientConfig{Endpoint: endpoint, Token: "mine"}},
		{name: "relative CA file", model: model(null, null, val(endpoint), val("t"), val("certs/ca.pem")),
			want: clientConfig{Endpoint: endpoint, Token: "t", CAFile: filepath.Join(wd, "certs/ca.pem")}},
		{name: "endpoint without a token", model: model(null, null, val(endpoint), null, null),
			errs: []string{"Missing Provider Token: endpoint (in the provider block) selects remote mode"}, at: []string{"token"}},
		{name: "endpoint from the environment without a token", model: model(null, null, null, null, null),
			env:  map[string]string{envEndpoint: endpoint},
			errs: []string{"Missing Provider Token: IDP_ENDPOINT (in the environment) selects remote mode"}, at: []string{""}},
		{name: "endpoint configured, data dir in the environment",
			model: model(null, null, val(endpoint), val("t"), null), env: map[string]string{envDataDir: "/var/lib/idp"},
			errs: []string{"endpoint (in the provider block) and IDP_DATA_DIR (in the environment)"}, at: []string{"endpoint"}},
		{name: "endpoint in the environment, data dir configured",
			model: model(val("/srv/idp"), null, null, null, null), env: map[string]string{envEndpoint: endpoint, envToken: "t"},
			errs: []string{"IDP_ENDPOINT (in the environment) and data_dir (in the provider block)"}, at: []string{"data_dir"}},
		{name: "endpoint in the environment, database url configured",
			model: model(null, val(pg), null, null, null), env: map[string]string{envEndpoint: endpoint, envToken: "t"},
			errs: []string{"IDP_ENDPOINT (in the environment) and database_url (in the provider block)"}, at: []string{"database_url"}},
		{name: "endpoint and both stores, all in the environment",
			model: model(null, null, null, null, null),
			env:   map[string]string{envEndpoint: endpoint, envToken: "t", envDataDir: "/d", envDatabaseURL: pg},
			errs: []string{"IDP_ENDPOINT (in the environment) and IDP_DATA_DIR (in the environment)",
				"IDP_ENDPOINT (in the environment) and IDP_DATABASE_URL (in the environment)"},
			at: []string{"", ""}},
		{name: "a configured token without an endpoint", model: model(null, null, null, val("t"), null),
			errs: []string{"Attribute token is only used in remote mode"}, at: []string{"token"}},
		{name: "a configured CA file without an endpoint", model: model(null, null, null, null, val("ca.pem")),
			errs: []string{"Attribute ca_file is only used in remote mode"}, at: []string{"ca_file"}},
		{name: "remote settings in the environment are left to other tools", model: model(null, null, null, null, null),
			env:  map[string]string{envToken: "t", envCAFile: "ca.pem"},
			want: clientConfig{DataDir: filepath.Join(wd, ".idp")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, diags := resolveConfig(tt.model, func(k string) string { return tt.env[k] })
			if len(tt.errs) == 0 {
				if diags.HasError() {
					t.Fatalf("unexpected errors: %v", diags)
				}
				if got != tt.want {
					t.Errorf("config = %+v, want %+v", got, tt.want)
				}
				return
			}
			errs := diags.Errors()
			if len(errs) != len(tt.errs) {
				t.Fatalf("errors = %v, want %d", diags, len(tt.errs))
			}
			for i, d := range errs {
				text := d.Summary() + ": " + d.Detail()
				if !strings.Contains(text, tt.errs[i]) {
					t.Errorf("error %d = %q, want it to contain %q", i, text, tt.errs[i])
				}
				if at := pathOf(d); at != tt.at[i] {
					t.Errorf("error %d is on %q, want %q", i, at, tt.at[i])
				}
			}
		})
	}
}

func pathOf(d diag.Diagnostic) string {
	if withPath, ok := d.(diag.DiagnosticWithPath); ok {
		return withPath.Path().String()
	}
	return ""
}

// Tests of the provider block itself write their own, so the mode does not
// apply to them: they run once, in the embedded mode.
const ownProviderBlock = "it writes its own provider block"

func TestAccProvider_invalidDataDir(t *testing.T) {
	e := newTestEnv(t, onlyIn(ownProviderBlock, modeEmbedded))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{{
			Config:      "provider \"idp\" {\n  data_dir = \"\"\n}\n\ndata \"idp_alerts\" \"all\" {}\n",
			ExpectError: errorAt("Attribute data_dir string length must be at least 1"),
		}},
	})
}

func TestAccProvider_dataDirIsAFile(t *testing.T) {
	e := newTestEnv(t, onlyIn(ownProviderBlock, modeEmbedded))
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

// Settings that select two engines, or remote settings without an
// endpoint, fail the plan on the attribute.
func TestAccProvider_conflictingSettings(t *testing.T) {
	e := newTestEnv(t, onlyIn(ownProviderBlock, modeEmbedded))
	step := func(block string, want ...string) resource.TestStep { return providerBlockFails(block+"\n", want...) }
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			step(`  endpoint = "https://idp.example.com"
  token    = "t"
  data_dir = "/var/lib/idp"`, "Invalid Attribute Combination", `Attribute "data_dir" cannot be specified when "endpoint" is specified`),
			step(`  endpoint     = "https://idp.example.com"
  token        = "t"
  database_url = "postgres://idp@db.example.com/idp"`,
				"Invalid Attribute Combination", `Attribute "database_url" cannot be specified when "endpoint" is specified`),
			step(`  data_dir     = "/var/lib/idp"
  database_url = "postgres://idp@db.example.com/idp"`,
				"Invalid Attribute Combination", `Attribute "data_dir" cannot be specified when "database_url" is specified`),
			step(`  endpoint = "http://idp.example.com:8080"
  token    = "t"`, "Attribute endpoint value must be an https URL", "plain http on a remote host"),
			step(`  endpoint = "idp.example.com:8443"
  token    = "t"`, "Attribute endpoint value must be an https URL", "must be an http(s) URL with a host"),
			step(`  endpoint = "https://idp.example.com"`, "Missing Provider Token", "endpoint (in the provider block) selects remote mode"),
			step(`  token = "t"`, "Attribute token is only used in remote mode"),
			step(`  data_dir = "/tmp/x"
  ca_file  = "ca.pem"`, "Attribute ca_file is only used in remote mode"),
		},
	})
}

// A setting in the provider block that conflicts with one in the
// environment fails, naming both. Not parallel: it sets the environment.
func TestAccProvider_conflictsWithTheEnvironment(t *testing.T) {
	e := newTestEnv(t, onlyIn(ownProviderBlock, modeEmbedded))
	t.Setenv(envDataDir, filepath.Join(t.TempDir(), "idp"))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{{
			Config: `
provider "idp" {
  endpoint = "https://idp.example.com:8443"
  token    = "t"
}

data "idp_alerts" "all" {}
`,
			PlanOnly:    true,
			ExpectError: errorAt("Conflicting Provider Settings", "endpoint (in the provider block) and IDP_DATA_DIR (in the environment)"),
		}},
	})
}

// providerBlockFails is a plan with a provider block of these settings
// that must fail with these words.
func providerBlockFails(settings string, want ...string) resource.TestStep {
	return resource.TestStep{
		Config:      "provider \"idp\" {\n" + settings + "}\n\ndata \"idp_alerts\" \"all\" {}\n",
		PlanOnly:    true,
		ExpectError: errorAt(want...),
	}
}

// A database_url that does not answer fails at configuration, without
// its password anywhere in the error.
func TestOpenClient_databaseURLKeepsItsPassword(t *testing.T) {
	const password = "s3cret-Passw0rd"
	ctx := context.Background()
	_, err := openClient(ctx, clientConfig{DatabaseURL: "postgres://idp:" + password + "@127.0.0.1:1/idp?sslmode=disable&connect_timeout=2"})
	if err == nil {
		t.Fatal("opened a database nothing serves")
	}
	d := configureError(clientConfig{DatabaseURL: "postgres://idp:" + password + "@127.0.0.1:1/idp"}, err)
	if text := d.Summary() + d.Detail(); strings.Contains(text, password) || !strings.Contains(text, "Original Error") {
		t.Errorf("diagnostic %q: want the original error without the password", text)
	}
}
