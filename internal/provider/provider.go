// Package provider is the Terraform layer: schemas, models, CRUD and
// diagnostics. It reaches the engine's data only through internal/client;
// plan-time validation and defaults come from the engine's policy registry
// and settings checks, which need no store.
package provider

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/idp/terraform-provider-idp/internal/client"
	"github.com/idp/terraform-provider-idp/internal/engine"
)

// Environment variables read when the provider block leaves a setting out.
const (
	envDataDir     = "IDP_DATA_DIR"
	envDatabaseURL = "IDP_DATABASE_URL"
	envEndpoint    = "IDP_ENDPOINT"
	envToken       = "IDP_TOKEN"
	envCAFile      = "IDP_CA_FILE"
)

// idpProvider opens one engine client per provider instance and hands it
// to every resource and data source.
type idpProvider struct {
	version string
	// open opens the engine; tests wrap it to close what they open, since
	// Terraform gives providers no shutdown hook.
	open func(ctx context.Context, cfg clientConfig) (client.Client, error)
}

// clientConfig is the provider configuration resolved against the
// environment and the defaults: exactly one way to reach the engine.
// Endpoint set: remote mode (Token, CAFile). Otherwise the embedded
// engine, on PostgreSQL when DatabaseURL is set, else on SQLite in DataDir.
type clientConfig struct {
	DataDir     string
	DatabaseURL string
	Endpoint    string
	Token       string
	CAFile      string
}

// mode names how the engine is reached, for logs and diagnostics.
func (c clientConfig) mode() string {
	switch {
	case c.Endpoint != "":
		return "remote"
	case c.DatabaseURL != "":
		return "embedded PostgreSQL"
	}
	return "embedded SQLite"
}

type providerModel struct {
	DataDir     types.String `tfsdk:"data_dir"`
	DatabaseURL types.String `tfsdk:"database_url"`
	Endpoint    types.String `tfsdk:"endpoint"`
	Token       types.String `tfsdk:"token"`
	CAFile      types.String `tfsdk:"ca_file"`
}

var (
	_ provider.Provider            = (*idpProvider)(nil)
	_ provider.ProviderWithActions = (*idpProvider)(nil)
)

// New returns the provider factory for a release version.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &idpProvider{version: version, open: openClient} }
}

// openClient opens the engine the configuration names.
func openClient(ctx context.Context, cfg clientConfig) (client.Client, error) {
	if cfg.Endpoint != "" {
		return openRemote(ctx, cfg)
	}
	return client.NewEmbedded(ctx, client.EmbeddedConfig{DataDir: cfg.DataDir, DatabaseURL: cfg.DatabaseURL, Logger: engineLogger(ctx)})
}

// openRemote sets up the client of `engine serve` and makes one request,
// so that a wrong endpoint or token fails here, in words about the
// provider's settings, rather than in every resource. It also proves the
// endpoint answers as the engine's API: a Read must never take a proxy's
// 404 for a policy deleted outside Terraform.
func openRemote(ctx context.Context, cfg clientConfig) (client.Client, error) {
	rc := client.RemoteConfig{Endpoint: cfg.Endpoint, Token: cfg.Token, Logger: engineLogger(ctx).Named("remote")}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("reading ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ca_file %s holds no PEM certificate", cfg.CAFile)
		}
		rc.TLSConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	c, err := client.NewRemote(rc)
	if err != nil {
		return nil, err
	}
	if _, err := c.Integration(ctx); err != nil {
		_ = c.Close()
		return nil, err
	}
	return c, nil
}

func (p *idpProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "idp"
	resp.Version = p.version
}

func (p *idpProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "Runs identity-threat detection as code: the idp engine ingests Microsoft Graph riskDetection " +
			"records, filters them through policies into alerts and remediates risky users. By default the engine " +
			"runs inside the provider and keeps its data in a SQLite database; `database_url` puts that data in " +
			"PostgreSQL, and `endpoint` reaches an engine running as a server (`terraform-provider-idp engine serve`) " +
			"instead.",
		Attributes: map[string]schema.Attribute{
			"data_dir": schema.StringAttribute{
				Optional: true,
				Description: "Directory of the embedded engine's SQLite store, created when missing. Defaults to the " +
					"`" + envDataDir + "` environment variable, else `" + engine.DefaultDataDir + "` in the directory " +
					"Terraform runs in. A relative path is resolved against that directory. The engine's command line " +
					"(`terraform-provider-idp engine ... --data-dir`) reads and writes the same store. Conflicts with " +
					"`database_url` and `endpoint`.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"database_url": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				Description: "PostgreSQL URL of the embedded engine's store, instead of SQLite in `data_dir`: " +
					"`postgres://user:password@host:5432/idp?sslmode=verify-full` (any URL or parameter pgx accepts). " +
					"Several engines (CI runners, the command line, `engine serve`) may share one database. The engine " +
					"creates its tables on first use. Defaults to the `" + envDatabaseURL + "` environment variable, as " +
					"the command line's `--database-url` does; when neither is set the store is SQLite. The URL is never " +
					"logged. Conflicts with `data_dir` and `endpoint`.",
				Validators: []validator.String{
					stringvalidator.LengthAtLeast(1),
					stringvalidator.ConflictsWith(path.MatchRoot("data_dir")),
				},
			},
			"endpoint": schema.StringAttribute{
				Optional: true,
				Description: "Base URL of an engine served by `terraform-provider-idp engine serve`, such as " +
					"`https://idp.example.com:8443`: remote mode, in which the engine and its store live on the server " +
					"and the provider sends it every request. `https` is required except on a loopback host " +
					"(`127.0.0.1`, `::1`, `localhost`), where `http` is allowed. Connection failures and 5xx and 429 " +
					"answers are retried with exponential backoff (4 retries). Defaults to the `" + envEndpoint + "` " +
					"environment variable; when neither is set the engine is embedded. Requires `token`. Conflicts " +
					"with `data_dir` and `database_url`, whether they are set in the provider block or the environment.",
				Validators: []validator.String{
					endpointURL{},
					stringvalidator.ConflictsWith(path.MatchRoot("data_dir"), path.MatchRoot("database_url")),
				},
			},
			"token": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				Description: "API token for `endpoint`, sent as `Authorization: Bearer <token>`: one of the tokens " +
					"of the server's `--token-file` or `IDP_TOKENS`. Defaults to the `" + envToken + "` environment " +
					"variable. Required in remote mode; set in the provider block without an endpoint, it is an error.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"ca_file": schema.StringAttribute{
				Optional: true,
				Description: "PEM file of the certificate authorities `endpoint`'s certificate must chain to, " +
					"trusted instead of the system's roots: for a server with a private or self-signed certificate. " +
					"Defaults to the `" + envCAFile + "` environment variable, else the system's roots. Only used " +
					"with `endpoint`.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
		},
	}
}

func (p *idpProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var m providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	for _, s := range settings {
		if s.value(m).IsUnknown() {
			resp.Diagnostics.Append(unknownProviderValue(s.attr))
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}
	cfg, diags := resolveConfig(m, os.Getenv)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx = tflog.SetField(ctx, "idp_mode", cfg.mode())
	switch {
	case cfg.Endpoint != "":
		ctx = tflog.SetField(ctx, "idp_endpoint", cfg.Endpoint)
	case cfg.DatabaseURL == "":
		ctx = tflog.SetField(ctx, "idp_data_dir", cfg.DataDir)
	}
	tflog.Debug(ctx, "opening the idp engine")
	c, err := p.open(ctx, cfg)
	if err != nil {
		resp.Diagnostics.Append(configureError(cfg, err))
		return
	}
	if resp.Diagnostics.Append(checkEngineVersion(ctx, c, cfg, p.version)...); resp.Diagnostics.HasError() {
		_ = c.Close()
		return
	}
	conn := &engineConn{Client: c, cfg: cfg}
	resp.ResourceData = conn
	resp.DataSourceData = conn
	resp.ActionData = conn
}

// setting is one provider attribute and the environment variable it
// defaults to.
type setting struct {
	attr, env string
	value     func(providerModel) types.String
}

var (
	dataDirSetting     = setting{"data_dir", envDataDir, func(m providerModel) types.String { return m.DataDir }}
	databaseURLSetting = setting{"database_url", envDatabaseURL, func(m providerModel) types.String { return m.DatabaseURL }}
	endpointSetting    = setting{"endpoint", envEndpoint, func(m providerModel) types.String { return m.Endpoint }}
	tokenSetting       = setting{"token", envToken, func(m providerModel) types.String { return m.Token }}
	caFileSetting      = setting{"ca_file", envCAFile, func(m providerModel) types.String { return m.CAFile }}
	settings           = []setting{dataDirSetting, databaseURLSetting, endpointSetting, tokenSetting, caFileSetting}
)

// resolved is a setting's value and where it came from.
type resolved struct {
	setting
	text       string
	fromConfig bool
}

func (r resolved) set() bool { return r.text != "" }

// origin names the setting as the user set it: the attribute or the
// environment variable.
func (r resolved) origin() string {
	if r.fromConfig {
		return fmt.Sprintf("%s (in the provider block)", r.attr)
	}
	return fmt.Sprintf("%s (in the environment)", r.env)
}

func (s setting) resolve(m providerModel, getenv func(string) string) resolved {
	if v := s.value(m); !v.IsNull() {
		return resolved{setting: s, text: v.ValueString(), fromConfig: true}
	}
	return resolved{setting: s, text: getenv(s.env)}
}

// resolveConfig applies the precedence configuration > environment >
// default, and refuses settings that select two different engines:
// endpoint (remote) with data_dir or database_url (embedded), wherever
// each comes from. The validators catch the conflicts within the provider
// block at plan time; this catches those that involve the environment.
// The one pair left to precedence is IDP_DATABASE_URL with IDP_DATA_DIR,
// both in the environment: PostgreSQL, as the command line does, so the
// two use the same store.
//
// Relative directories are made absolute against the working directory,
// which Terraform sets to the configuration's directory, so that logs and
// errors name the real place.
func resolveConfig(m providerModel, getenv func(string) string) (clientConfig, diag.Diagnostics) {
	var diags diag.Diagnostics
	dataDir := dataDirSetting.resolve(m, getenv)
	databaseURL := databaseURLSetting.resolve(m, getenv)
	endpoint := endpointSetting.resolve(m, getenv)
	token := tokenSetting.resolve(m, getenv)
	caFile := caFileSetting.resolve(m, getenv)

	if endpoint.set() {
		for _, other := range []resolved{dataDir, databaseURL} {
			if other.set() {
				diags.Append(conflictingSettings(endpoint, other))
			}
		}
		if !token.set() {
			diags.Append(missingToken(endpoint))
		}
		if diags.HasError() {
			return clientConfig{}, diags
		}
		cfg := clientConfig{Endpoint: endpoint.text, Token: token.text, CAFile: caFile.text}
		if cfg.CAFile != "" {
			cfg.CAFile = absolute(cfg.CAFile)
		}
		return cfg, diags
	}
	// Embedded. A token or CA file written in the provider block would be
	// silently ignored: refuse it. In the environment they may be meant
	// for other tools, and are left alone.
	for _, r := range []resolved{token, caFile} {
		if r.fromConfig {
			diags.Append(remoteOnlySetting(r))
		}
	}
	if databaseURL.set() && dataDir.set() && (databaseURL.fromConfig || dataDir.fromConfig) {
		diags.Append(conflictingSettings(databaseURL, dataDir))
	}
	if diags.HasError() {
		return clientConfig{}, diags
	}
	if databaseURL.set() {
		return clientConfig{DatabaseURL: databaseURL.text}, diags
	}
	dir := dataDir.text
	if dir == "" {
		dir = engine.DefaultDataDir
	}
	return clientConfig{DataDir: absolute(dir)}, diags
}

func absolute(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

func (p *idpProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{newIntegrationResource, newPolicyResource}
}

// Actions run on Terraform 1.14 and later; older versions never ask.
func (p *idpProvider) Actions(context.Context) []func() action.Action {
	return []func() action.Action{newSyncAction}
}

func (p *idpProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{newAlertsDataSource}
}

// applyPlan is Create and Update alike: read the plan into M, let write
// store it and return the state of what the engine holds, save that.
func applyPlan[M any](ctx context.Context, plan tfsdk.Plan, state *tfsdk.State, diags *diag.Diagnostics,
	write func(context.Context, M) (M, diag.Diagnostics)) {
	var m M
	diags.Append(plan.Get(ctx, &m)...)
	if diags.HasError() {
		return
	}
	next, d := write(ctx, m)
	diags.Append(d...)
	if diags.HasError() {
		return
	}
	diags.Append(state.Set(ctx, &next)...)
}
