// Package provider is the Terraform layer: schemas, models, CRUD and
// diagnostics. It reaches the engine only through internal/client.
package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

// idpProvider is the provider; resources arrive with the provider issue.
type idpProvider struct {
	version string
}

var _ provider.Provider = (*idpProvider)(nil)

// New returns the provider factory for a release version.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &idpProvider{version: version} }
}

func (p *idpProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "idp"
	resp.Version = p.version
}

func (p *idpProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "Runs identity-threat detection as code: the idp engine ingests Microsoft Graph riskDetection records, filters them through policies and raises alerts.",
	}
}

func (p *idpProvider) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {
}

func (p *idpProvider) Resources(context.Context) []func() resource.Resource { return nil }

func (p *idpProvider) DataSources(context.Context) []func() datasource.DataSource { return nil }
