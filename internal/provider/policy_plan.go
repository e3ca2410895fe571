package provider

import (
	"context"
	"errors"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/idp/terraform-provider-idp/internal/client"
	"github.com/idp/terraform-provider-idp/internal/engine"
)

// A policy's plan is judged by the engine through the client: its
// validation, its defaults and its inline tests. In remote mode they are
// the server's, so a provider older or newer than the server plans what
// the server will apply.

// Stand-ins for values that are unknown at plan time or already reported,
// so that the engine's validation of the other settings still runs.
const (
	placeholderName      = "placeholder"
	placeholderCondition = "true"
)

// ModifyPlan validates the policy with the engine, so that a mistake (a
// condition that does not compile, a setting the type does not take)
// fails the plan on its attribute in the engine's (or CEL's) own words.
// It then fills every setting the configuration leaves out with the
// type's default from the engine, so the plan shows what apply will
// write, a setting removed from the configuration goes back to its
// default, and a change made outside Terraform shows as a difference; and
// it runs the inline tests against the planned policy. With the provider
// not configured yet, the engine is not asked: the defaults stay unknown
// until the plan made at apply.
func (r *policyResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.client == nil {
		return // destroy: nothing to fill and no test to run
	}
	var config, plan policyModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || config.Type.IsUnknown() {
		return
	}
	typ := config.Type.ValueString()
	if _, ok := engine.DefaultPolicy(typ); !ok {
		return // the type's OneOf says so
	}
	if resp.Diagnostics.Append(validatePolicy(ctx, r.client, config)...); resp.Diagnostics.HasError() {
		return
	}
	def, err := r.client.PolicyDefaults(ctx, typ, "")
	if err != nil {
		resp.Diagnostics.Append(planError(policyResourceName, "read the defaults of policy type "+typ, err))
		return
	}
	if engine.IsBuiltinPolicy(typ) {
		plan.ID = types.StringValue(def.ID())
		plan.GroupBy = types.StringNull()
	} else {
		plan.ID = config.Name
		if config.GroupBy.IsNull() {
			plan.GroupBy = types.StringValue(def.GroupBy)
		}
	}
	if config.Enabled.IsNull() {
		plan.Enabled = types.BoolValue(def.Enabled)
	}
	if config.Severity.IsNull() {
		plan.Severity = types.StringValue(string(def.Severity))
	}
	if config.AggregationWindow.IsNull() {
		switch groupBy := plan.GroupBy.ValueString(); {
		case plan.GroupBy.IsUnknown():
			plan.AggregationWindow = durationUnknown()
		case groupBy == "" || groupBy == def.GroupBy:
			plan.AggregationWindow = windowValue(def.AggregationWindow)
		default:
			// The window follows the grouping: none per detection.
			grouped, err := r.client.PolicyDefaults(ctx, typ, groupBy)
			if err != nil {
				resp.Diagnostics.Append(planError(policyResourceName, "read the defaults of policy type "+typ, err))
				return
			}
			plan.AggregationWindow = windowValue(grouped.AggregationWindow)
		}
	}
	if config.RemediateRiskyUsers.IsNull() {
		plan.RemediateRiskyUsers = types.BoolValue(def.RemediateRiskyUsers)
	}
	resp.Diagnostics.Append(runPolicyTests(ctx, r.client, plan)...)
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// validatePolicy asks the engine to validate the configured policy.
// Values the attribute validators already refuse, and unknown ones, are
// replaced by stand-ins, so each mistake is reported once. The engine
// stops at the first invalid setting; each one reported is replaced in
// turn and the rest checked again, so that a plan lists every mistake at
// once.
func validatePolicy(ctx context.Context, c client.Client, m policyModel) diag.Diagnostics {
	var diags diag.Diagnostics
	typ := m.Type.ValueString()
	custom := !engine.IsBuiltinPolicy(typ)
	p := engine.Policy{Type: typ}
	if custom {
		p.Name = knownOr(m.Name, placeholderName)
		p.Condition = knownOr(m.Condition, placeholderCondition)
		p.GroupBy = knownOr(m.GroupBy, "")
	}
	if v := m.Severity; !v.IsNull() && !v.IsUnknown() && engine.Severity(v.ValueString()).Rank() > 0 {
		p.Severity = engine.Severity(v.ValueString())
	}
	if v := m.AggregationWindow; !v.IsNull() && !v.IsUnknown() {
		d, err := v.Duration()
		if err == nil && d >= engine.MinAggregationWindow && d <= engine.MaxAggregationWindow {
			p.AggregationWindow = engine.Duration(d)
			if custom && m.GroupBy.IsUnknown() {
				p.GroupBy = engine.GroupByUser // the one grouping a window may be right for
			}
		}
	}
	if p.GroupBy != "" && p.GroupBy != engine.GroupByDetection && p.GroupBy != engine.GroupByUser {
		p.GroupBy = "" // the group_by OneOf says so
	}
	for range policyFields {
		_, err := c.ValidatePolicy(ctx, p)
		switch {
		case err == nil:
			return diags
		case !errors.Is(err, engine.ErrInvalid):
			diags.Append(planError(policyResourceName, "validate the policy with the engine", err))
			return diags
		}
		diags.Append(invalidSetting(err, policyFields, path.Root("type")))
		var fe *engine.FieldError
		if !errors.As(err, &fe) || !replaceSetting(&p, fe.Field) {
			return diags
		}
	}
	return diags
}

// replaceSetting puts a valid stand-in in place of an invalid setting;
// false when there is none.
func replaceSetting(p *engine.Policy, field string) bool {
	switch field {
	case "name":
		p.Name = placeholderName
	case "condition":
		p.Condition = placeholderCondition
	case "group_by":
		p.GroupBy = ""
	case "severity":
		p.Severity = ""
	case "aggregation_window":
		p.AggregationWindow = 0
	default:
		return false
	}
	return true
}

func knownOr(v types.String, otherwise string) string {
	if v.IsNull() || v.IsUnknown() {
		return otherwise
	}
	return v.ValueString()
}

// runPolicyTests runs the plan's inline tests against the planned policy
// and fails each test whose verdict differs from its expect_alert. A test
// with a value unknown until apply is left for the plan made at apply, and
// so are all tests while a setting of the policy is unknown.
func runPolicyTests(ctx context.Context, c client.Client, plan policyModel) diag.Diagnostics {
	var diags diag.Diagnostics
	if plan.Tests.IsNull() || plan.Tests.IsUnknown() || !policySettingsKnown(plan) {
		return diags
	}
	p, d := policyToEngine(plan)
	if d.HasError() {
		return diags // ValidateConfig reported it
	}
	if p.Type == engine.PolicyCustom && plan.Name.IsUnknown() {
		p.Name = placeholderName // a name decides no verdict
	}
	var (
		tests []engine.PolicyTest
		index []int // tests[i] is the configuration's tests[index[i]]
	)
	for i, elem := range plan.Tests.Elements() {
		obj, ok := elem.(types.Object)
		if !ok || obj.IsNull() || obj.IsUnknown() {
			continue
		}
		var t policyTestModel
		if diags.Append(obj.As(ctx, &t, basetypes.ObjectAsOptions{})...); diags.HasError() {
			return diags
		}
		if t.Detection.IsUnknown() || t.ExpectAlert.IsUnknown() || t.Detection.IsNull() || t.ExpectAlert.IsNull() {
			continue
		}
		tests = append(tests, engine.PolicyTest{Detection: t.Detection.ValueString(), ExpectAlert: t.ExpectAlert.ValueBool()})
		index = append(index, i)
	}
	if len(tests) == 0 {
		return diags
	}
	results, err := c.TestPolicy(ctx, p, tests)
	switch {
	case errors.Is(err, engine.ErrInvalid):
		diags.Append(invalidSetting(err, policyFields, path.Root("type")))
		return diags
	case err != nil:
		diags.Append(planError(policyResourceName, "run the policy's inline tests", err))
		return diags
	}
	for _, res := range results {
		if !res.Passed && res.Index >= 0 && res.Index < len(index) {
			res.Index = index[res.Index]
			diags.Append(policyTestFailed(path.Root("tests").AtListIndex(res.Index), res))
		}
	}
	return diags
}

// policySettingsKnown: every setting that decides a test's verdict is
// known (the name decides none).
func policySettingsKnown(m policyModel) bool {
	for _, v := range []attr.Value{m.Type, m.Enabled, m.Severity, m.Condition, m.GroupBy, m.AggregationWindow} {
		if v.IsUnknown() {
			return false
		}
	}
	return true
}
