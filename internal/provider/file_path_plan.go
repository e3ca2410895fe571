package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Source paths are Optional and Computed: Terraform accepts a planned
// value other than the configuration's only for computed attributes, and
// the plan after an import must keep the state's absolute paths where the
// configuration names the same files by relative ones. The framework does
// not compare semantically at plan time (only at apply and refresh), so
// the integration's ModifyPlan does it: planSameFiles.

// nullWhenUnset plans null for a list left out of the configuration, as
// for an optional attribute, where a computed one would keep the state's
// value or become unknown.
type nullWhenUnset struct{}

var _ planmodifier.List = nullWhenUnset{}

func (nullWhenUnset) Description(context.Context) string {
	return "null when left out of the configuration"
}

func (m nullWhenUnset) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

func (nullWhenUnset) PlanModifyList(ctx context.Context, req planmodifier.ListRequest, resp *planmodifier.ListResponse) {
	if req.ConfigValue.IsNull() {
		resp.PlanValue = types.ListNull(req.ConfigValue.ElementType(ctx))
	}
}

// sourcePathLists are the attributes planSameFiles looks at.
var sourcePathLists = []path.Path{
	path.Root("source").AtName("file").AtName("detections"),
	path.Root("source").AtName("file").AtName("devices"),
}

// planSameFiles plans the state's list of paths wherever the
// configuration names the same files in the same order, however it writes
// them. Only for the embedded engine: in remote mode the server resolves a
// relative path against its own working directory, not Terraform's, so
// the configuration's text is planned as written.
func planSameFiles(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || req.State.Raw.IsNull() {
		return
	}
	for _, p := range sourcePathLists {
		var config, state types.List
		var diags diag.Diagnostics
		// A missing parent (no source, no file) reads as null.
		diags.Append(req.Config.GetAttribute(ctx, p, &config)...)
		diags.Append(req.State.GetAttribute(ctx, p, &state)...)
		if diags.HasError() || !sameFileLists(config, state) {
			continue
		}
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, p, state)...)
	}
}

// sameFileLists reports whether two known lists of paths name the same
// files in the same order.
func sameFileLists(a, b types.List) bool {
	if a.IsNull() || a.IsUnknown() || b.IsNull() || b.IsUnknown() {
		return false
	}
	x, y := a.Elements(), b.Elements()
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		p, okP := x[i].(filePathValue)
		q, okQ := y[i].(filePathValue)
		if !okP || !okQ || p.IsUnknown() || p.IsNull() || q.IsNull() || !sameFile(p.ValueString(), q.ValueString()) {
			return false
		}
	}
	return true
}
