package provider

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/idp/terraform-provider-idp/internal/client"
	"github.com/idp/terraform-provider-idp/internal/engine"
)

// urlRequirement is what authority_url and graph_url must be, in the
// words of the framework's validators.
const urlRequirement = "must be an absolute https URL (http only on a loopback host) without query or credentials, " +
	"on a host the engine may send credentials to"

// graphRequirements words what the engine refused in a graph setting whose
// value the diagnostic quotes. Only settings that are not secret are here.
var graphRequirements = map[string]string{
	"source.graph.tenant_id":     "value must be a tenant id or domain name",
	"source.graph.client_id":     "value must not be blank",
	"source.graph.authority_url": "value " + urlRequirement,
	"source.graph.graph_url":     "value " + urlRequirement,
}

// Stand-ins for graph settings that are unknown at plan time or already
// reported, so that the engine's check of the other settings still runs.
const placeholderGraphID = "placeholder"

// ModifyPlan checks the planned settings with the engine (through the
// client, so in remote mode by the server's rules: its source roots, the
// hosts it lets credentials go to), so that a bad value fails the plan on
// its attribute. With the embedded engine it then keeps the state's
// source paths where the configuration names the same files
// (planSameFiles). With the provider not configured yet, nothing is
// checked until the plan made at apply.
func (r *integrationResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.client == nil {
		return
	}
	var plan integrationModel
	if resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...); resp.Diagnostics.HasError() {
		return
	}
	if resp.Diagnostics.Append(validateIntegration(ctx, r.client, plan)...); resp.Diagnostics.HasError() {
		return
	}
	if !r.client.Remote() {
		planSameFiles(ctx, req, resp)
	}
}

// validateIntegration asks the engine to check the plan's settings. The
// engine stops at the first invalid setting; each one reported is
// replaced by a stand-in and the rest checked again, so that a plan lists
// every mistake at once.
func validateIntegration(ctx context.Context, c client.Client, plan integrationModel) diag.Diagnostics {
	in, diags := integrationToCheck(ctx, plan, !c.Remote())
	if diags.HasError() {
		return diags
	}
	for range len(integrationFields) + 1 {
		err := c.ValidateIntegration(ctx, in)
		switch {
		case err == nil:
			return diags
		case !errors.Is(err, engine.ErrInvalid):
			diags.Append(planError(integrationResourceName, "check the settings with the engine", err))
			return diags
		}
		var fe *engine.FieldError
		if !errors.As(err, &fe) {
			diags.Append(invalidSetting(err, integrationFields, path.Root("source")))
			return diags
		}
		diags.Append(integrationFieldInvalid(in, fe))
		if !replaceIntegrationSetting(&in, fe.Field) {
			return diags
		}
	}
	return diags
}

// integrationFieldInvalid words a refused setting: a graph setting that is
// not secret quotes its value, the others say the engine refused it.
func integrationFieldInvalid(in engine.Integration, fe *engine.FieldError) diag.Diagnostic {
	requirement, quotable := graphRequirements[fe.Field]
	if !quotable || in.Source == nil || in.Source.Graph == nil {
		return invalidSetting(fe, integrationFields, path.Root("source"))
	}
	g := in.Source.Graph
	value := map[string]string{
		"source.graph.tenant_id":     g.TenantID,
		"source.graph.client_id":     g.ClientID,
		"source.graph.authority_url": g.AuthorityURL,
		"source.graph.graph_url":     g.GraphURL,
	}[fe.Field]
	return invalidAttributeValue(integrationFields[fe.Field], requirement, fmt.Sprintf("%q", value), fe.Err)
}

// replaceIntegrationSetting puts a valid stand-in in place of a refused
// setting; false when there is none.
func replaceIntegrationSetting(in *engine.Integration, field string) bool {
	src := in.Source
	switch {
	case field == "retention_days":
		in.RetentionDays = engine.DefaultIntegration().RetentionDays
	case src == nil:
		return false
	case field == "source":
		src.Graph = nil // then the file source alone is checked
	case field == "source.file.detections" && src.File != nil:
		src.File.Detections = nil
	case field == "source.file.devices" && src.File != nil:
		src.File.Devices = nil
	case src.Graph == nil:
		return false
	case field == "source.graph.tenant_id":
		src.Graph.TenantID = placeholderGraphID
	case field == "source.graph.client_id":
		src.Graph.ClientID = placeholderGraphID
	case field == "source.graph.authority_url":
		src.Graph.AuthorityURL = "" // the engine's default
	case field == "source.graph.graph_url":
		src.Graph.GraphURL = ""
	case field == "source.graph.page_size":
		src.Graph.PageSize = 0
	default:
		return false
	}
	return true
}

// integrationToCheck converts a plan into the settings the engine checks:
// known values as apply would send them, and stand-ins for unknown ones
// and for those the attribute validators refuse already (reported once).
// The client secret is left out: the engine's rules do not look at it, and
// a check has no reason to carry it.
func integrationToCheck(ctx context.Context, m integrationModel, resolvePaths bool) (engine.Integration, diag.Diagnostics) {
	var diags diag.Diagnostics
	in := engine.DefaultIntegration()
	if v := m.RetentionDays; !v.IsUnknown() && !v.IsNull() &&
		v.ValueInt64() >= engine.MinRetentionDays && v.ValueInt64() <= engine.MaxRetentionDays {
		in.RetentionDays = int(v.ValueInt64())
	}
	if m.Source.IsNull() || m.Source.IsUnknown() {
		return in, diags
	}
	var src sourceModel
	if diags.Append(m.Source.As(ctx, &src, objectAsOptions)...); diags.HasError() {
		return in, diags
	}
	if src.File.IsUnknown() || src.Graph.IsUnknown() {
		return in, diags // whether the source is one kind or two is not known yet
	}
	in.Source = &engine.Source{}
	if !src.File.IsNull() {
		var f fileSourceModel
		diags.Append(src.File.As(ctx, &f, objectAsOptions)...)
		in.Source.File = &engine.FileSource{
			Detections: knownPaths(f.Detections, resolvePaths),
			Devices:    knownPaths(f.Devices, resolvePaths),
		}
	}
	if !src.Graph.IsNull() {
		var g graphSourceModel
		diags.Append(src.Graph.As(ctx, &g, objectAsOptions)...)
		in.Source.Graph = &engine.GraphSource{
			TenantID:     knownOr(g.TenantID, placeholderGraphID),
			ClientID:     knownOr(g.ClientID, placeholderGraphID),
			AuthorityURL: knownOr(g.AuthorityURL, ""),
			GraphURL:     knownOr(g.GraphURL, ""),
		}
		if v := g.PageSize; !v.IsUnknown() && !v.IsNull() && v.ValueInt64() >= 1 && v.ValueInt64() <= engine.MaxGraphPageSize {
			in.Source.Graph.PageSize = int(v.ValueInt64())
		}
	}
	return in, diags
}

// knownPaths is the known, non-empty paths of a list (an empty one is the
// list validator's to report), resolved as apply would resolve them.
func knownPaths(l types.List, resolve bool) []string {
	if l.IsNull() || l.IsUnknown() {
		return nil
	}
	var out []string
	for _, elem := range l.Elements() {
		v, ok := elem.(filePathValue)
		if !ok || v.IsNull() || v.IsUnknown() || v.ValueString() == "" {
			continue
		}
		p := v.ValueString()
		if resolve {
			if abs, err := filepath.Abs(p); err == nil {
				p = abs
			}
		}
		out = append(out, p)
	}
	return out
}
