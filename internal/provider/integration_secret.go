package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

// secretSource decides what a write sends of the Graph client secret. The
// engine never returns the secret, so the provider says each time what to
// do with the one it holds: replace it, keep it, or drop it.
//
//   - client_secret set: sent at every write (it is in the plan).
//   - client_secret_wo set: only in the configuration, never in the plan or
//     the state. Sent on create, and on an update whose
//     client_secret_wo_version differs from the state's; otherwise the
//     engine keeps the one it holds.
//   - neither: the engine drops any secret it holds, and reads
//     IDP_GRAPH_CLIENT_SECRET when it syncs.
type secretSource struct {
	config tfsdk.Config
	// prior is the state before an update; nil on create.
	prior *integrationModel
}

var writeOnlySecretPath = path.Root("source").AtName("graph").AtName("client_secret_wo")

func (s secretSource) apply(ctx context.Context, in *engine.Integration, plan integrationModel) diag.Diagnostics {
	if in.Source == nil || in.Source.Graph == nil || in.Source.Graph.ClientSecret != "" {
		return nil
	}
	var wo types.String
	diags := s.config.GetAttribute(ctx, writeOnlySecretPath, &wo)
	if diags.HasError() || wo.IsNull() || wo.IsUnknown() {
		return diags
	}
	if s.prior == nil {
		in.Source.Graph.ClientSecret = wo.ValueString()
		return diags
	}
	planned, d := graphOf(ctx, plan)
	diags.Append(d...)
	stated, d := graphOf(ctx, *s.prior)
	diags.Append(d...)
	if stated == nil || planned == nil || !planned.ClientSecretWOVersion.Equal(stated.ClientSecretWOVersion) {
		in.Source.Graph.ClientSecret = wo.ValueString()
	} else {
		in.Source.Graph.ClientSecretSet = true
	}
	return diags
}

// graphOf is the model's graph source, nil when there is none.
func graphOf(ctx context.Context, m integrationModel) (*graphSourceModel, diag.Diagnostics) {
	var diags diag.Diagnostics
	if m.Source.IsNull() || m.Source.IsUnknown() {
		return nil, diags
	}
	var src sourceModel
	diags.Append(m.Source.As(ctx, &src, objectAsOptions)...)
	if diags.HasError() || src.Graph.IsNull() || src.Graph.IsUnknown() {
		return nil, diags
	}
	var g graphSourceModel
	diags.Append(src.Graph.As(ctx, &g, objectAsOptions)...)
	return &g, diags
}
