// Package provider is the Terraform layer: schemas, models, CRUD and
// diagnostics. It reaches the engine's data only through internal/client;
// plan-time validation and defaults come from the engine's policy registry
// and settings checks, which need no store.
package provider

import (
	"context"
	"os"
	"path/filepath"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/idp/terraform-provider-idp/internal/client"
	"github.com/idp/terraform-provider-idp/internal/engine/service"
)

// Environment variables read when the provider block leaves a setting out.
const envDataDir = "IDP_DATA_DIR"

// idpProvider opens one engine client per provider instance and hands it
// to every resource and data source.
type idpProvider struct {
	version string
	// open opens the engine; tests wrap it to close what they open, since
	// Terraform gives providers no shutdown hook.
	open func(ctx context.Context, cfg clientConfig) (client.Client, error)
}

// clientConfig is the provider configuration resolved against the
// environment and the defaults. Remote mode (endpoint, token) joins it
// later behind the same client interface.
type clientConfig struct {
	DataDir string
}

type providerModel struct {
	DataDir types.String `tfsdk:"data_dir"`
}

var _ provider.Provider = (*idpProvider)(nil)

// New returns the provider factory for a release version.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &idpProvider{version: version, open: openEmbedded} }
}

func openEmbedded(ctx context.Context, cfg clientConfig) (client.Client, error) {
	return client.NewEmbedded(ctx, client.EmbeddedConfig{DataDir: cfg.DataDir, Logger: engineLogger(ctx)})
}

func (p *idpProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "idp"
	resp.Version = p.version
}

func (p *idpProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "Runs identity-threat detection as code: the idp engine ingests Microsoft Graph riskDetection " +
			"records, filters them through policies into alerts and remediates risky users. The engine runs " +
			"inside the provider and keeps its data in a SQLite database.",
		Attributes: map[string]schema.Attribute{
			"data_dir": schema.StringAttribute{
				Optional: true,
				Description: "Directory of the embedded engine's SQLite store, created when missing. Defaults to the " +
					"`" + envDataDir + "` environment variable, else `" + service.DefaultDataDir + "` in the directory " +
					"Terraform runs in. A relative path is resolved against that directory. The engine's command line " +
					"(`terraform-provider-idp engine ... --data-dir`) reads and writes the same store.",
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
	if m.DataDir.IsUnknown() {
		resp.Diagnostics.Append(unknownProviderValue("data_dir"))
		return
	}
	cfg := resolveConfig(m, os.Getenv)
	ctx = tflog.SetField(ctx, "idp_data_dir", cfg.DataDir)
	tflog.Debug(ctx, "opening the embedded idp engine")
	c, err := p.open(ctx, cfg)
	if err != nil {
		resp.Diagnostics.Append(configureError(cfg.DataDir, err))
		return
	}
	resp.ResourceData = c
	resp.DataSourceData = c
}

// resolveConfig applies the precedence configuration > environment >
// default. Relative directories are made absolute against the working
// directory, which Terraform sets to the configuration's directory, so that
// logs and errors name the real place.
func resolveConfig(m providerModel, getenv func(string) string) clientConfig {
	dir := m.DataDir.ValueString()
	if dir == "" {
		dir = getenv(envDataDir)
	}
	if dir == "" {
		dir = service.DefaultDataDir
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	return clientConfig{DataDir: dir}
}

func (p *idpProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{newIntegrationResource, newPolicyResource}
}

func (p *idpProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{newAlertsDataSource}
}

// configuredClient is what resources and data sources keep from the
// provider's Configure: the engine client, or nil while the provider is
// not configured yet (Terraform validates before it configures).
func configuredClient(data any, diags *diag.Diagnostics) client.Client {
	if data == nil {
		return nil
	}
	c, ok := data.(client.Client)
	if !ok {
		diags.Append(unexpectedProviderData(data))
	}
	return c
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
