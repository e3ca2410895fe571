package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// sameFilesKeepState plans the state's list of paths when the
// configuration names the same files in the same order, however it writes
// them; otherwise the configuration's. Semantic equality covers apply and
// refresh; this covers plan, which the framework does not compare
// semantically: after an import the state holds absolute paths while the
// configuration may hold relative ones, and the plan must still be empty.
// The attribute is Computed for this, since Terraform accepts a planned
// value other than the configuration's only for computed attributes; a
// list left out of the configuration plans null, as an optional one does.
type sameFilesKeepState struct{}

var _ planmodifier.List = sameFilesKeepState{}

func (sameFilesKeepState) Description(context.Context) string {
	return "keeps the state's paths when the configuration names the same files"
}

func (m sameFilesKeepState) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

func (sameFilesKeepState) PlanModifyList(ctx context.Context, req planmodifier.ListRequest, resp *planmodifier.ListResponse) {
	switch {
	case req.ConfigValue.IsNull():
		resp.PlanValue = types.ListNull(req.ConfigValue.ElementType(ctx))
		return
	case req.ConfigValue.IsUnknown() || req.StateValue.IsNull() || req.StateValue.IsUnknown():
		resp.PlanValue = req.ConfigValue
		return
	}
	want, have := req.ConfigValue.Elements(), req.StateValue.Elements()
	resp.PlanValue = req.ConfigValue
	if len(want) != len(have) {
		return
	}
	for i := range want {
		a, okA := want[i].(filePathValue)
		b, okB := have[i].(filePathValue)
		if !okA || !okB || a.IsUnknown() || a.IsNull() || b.IsNull() || !sameFile(a.ValueString(), b.ValueString()) {
			return
		}
	}
	resp.PlanValue = req.StateValue
}
