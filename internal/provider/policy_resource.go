package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/idp/terraform-provider-idp/internal/client"
	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/policy"
)

const policyResourceName = "idp_policy"

type policyResource struct {
	client client.Client
}

var (
	_ resource.ResourceWithConfigure      = (*policyResource)(nil)
	_ resource.ResourceWithImportState    = (*policyResource)(nil)
	_ resource.ResourceWithValidateConfig = (*policyResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*policyResource)(nil)
)

func newPolicyResource() resource.Resource { return &policyResource{} }

type policyModel struct {
	ID                  types.String  `tfsdk:"id"`
	Type                types.String  `tfsdk:"type"`
	Enabled             types.Bool    `tfsdk:"enabled"`
	Severity            types.String  `tfsdk:"severity"`
	AggregationWindow   durationValue `tfsdk:"aggregation_window"`
	RemediateRiskyUsers types.Bool    `tfsdk:"remediate_risky_users"`
}

// builtinTypes lists the policy types this resource manages, from the
// engine's registry. Custom policies (created by name) join later.
func builtinTypes() []string {
	var out []string
	for _, p := range policy.Builtins() {
		out = append(out, p.Type)
	}
	return out
}

// builtinDefault is the registry's default configuration of a built-in
// type; ok is false for anything else.
func builtinDefault(typ string) (engine.Policy, bool) {
	plugin, err := policy.Lookup(typ)
	if err != nil || !plugin.Builtin() {
		return engine.Policy{}, false
	}
	return plugin.Default(), true
}

// defaultsText states a setting's default per built-in type, read from the
// registry: "Defaults to `x`." when every type agrees, else one clause per
// type. Types that do not take the setting (show returns "") are left out.
func defaultsText(show func(engine.Policy) string) string {
	var parts []string
	seen := map[string]bool{}
	for _, p := range policy.Builtins() {
		v := show(p)
		if v == "" {
			continue
		}
		seen[v] = true
		parts = append(parts, "`"+v+"` for `"+p.Type+"`")
	}
	switch {
	case len(parts) == 0:
		return ""
	case len(seen) == 1:
		for v := range seen {
			return "Defaults to `" + v + "`."
		}
	}
	return "Defaults to " + strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1] + "."
}

// typesWithout lists the built-in types that do not take a setting.
func typesWithout(show func(engine.Policy) string) []string {
	var out []string
	for _, p := range policy.Builtins() {
		if show(p) == "" {
			out = append(out, p.Type)
		}
	}
	return out
}

func (r *policyResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_policy"
}

func (r *policyResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	typeNames := builtinTypes()
	resp.Schema = schema.Schema{
		Description: "Tunes one of the built-in policies that turn detections into alerts. Built-in policies " +
			"always exist: creating this resource applies its settings, destroying it restores the type's " +
			"defaults (alerts are kept). A changed threshold or window applies to detections processed after the " +
			"change. Settings left out of the configuration take the type's defaults.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:      true,
				Description:   "The policy's ID, the same as `type` for built-in policies (also the import ID).",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"type": schema.StringAttribute{
				Required: true,
				Description: "The built-in policy to tune: " + enumText(typeNames) + ". `leaked_credentials` alerts on each " +
					"detection of leaked credentials; `risky_sign_in` aggregates a user's risky sign-ins per " +
					"aggregation window. Changing it replaces the resource.",
				Validators:    []validator.String{stringvalidator.OneOf(typeNames...)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"enabled": schema.BoolAttribute{
				Optional: true, Computed: true,
				Description: "Whether the policy raises new alerts; a disabled policy keeps its old ones. " +
					defaultsText(func(p engine.Policy) string { return fmt.Sprint(p.Enabled) }),
			},
			"severity": schema.StringAttribute{
				Optional: true, Computed: true,
				Description: "The threshold: the lowest severity that raises an alert, one of " +
					enumText(engine.Severities) + " (`low` receives every alert, `high` only high ones). " +
					defaultsText(func(p engine.Policy) string { return string(p.Severity) }),
				Validators: []validator.String{stringvalidator.OneOf(engine.SeverityNames()...)},
			},
			"aggregation_window": schema.StringAttribute{
				CustomType: durationType{},
				Optional:   true, Computed: true,
				Description: fmt.Sprintf("The window a user's risky sign-ins are aggregated over, as a Go duration "+
					"from `%s` to `%s` (for example `12h` or `90m`). Windows start at multiples of the window since "+
					"the Unix epoch, in UTC. Not allowed on %s, which alert on each detection. ",
					formatDuration(policy.MinAggregationWindow), formatDuration(policy.MaxAggregationWindow),
					enumText(typesWithout(policyWindowText))) +
					defaultsText(policyWindowText),
				Validators: []validator.String{durationBetween{min: policy.MinAggregationWindow, max: policy.MaxAggregationWindow}},
			},
			"remediate_risky_users": schema.BoolAttribute{
				Optional: true, Computed: true,
				Description: "Whether the users of the policy's open alerts are set to high risk (risk state " +
					"`confirmedCompromised`), which makes user risk analytics enforce the integration's actions " +
					"on them. Each remediation is written to the audit log. " +
					defaultsText(func(p engine.Policy) string { return fmt.Sprint(p.RemediateRiskyUsers) }),
			},
		},
	}
}

func policyWindowText(p engine.Policy) string {
	if p.AggregationWindow == 0 {
		return ""
	}
	return formatDuration(time.Duration(p.AggregationWindow))
}

func (r *policyResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = configuredClient(req.ProviderData, &resp.Diagnostics)
}

// policyFields maps the engine's field names to attribute paths.
var policyFields = map[string]path.Path{
	"type":               path.Root("type"),
	"severity":           path.Root("severity"),
	"aggregation_window": path.Root("aggregation_window"),
}

// ValidateConfig runs the engine's validation of the policy at plan time:
// it knows which settings each type takes (no aggregation window on leaked
// credentials, say). Values the attribute validators already refuse are
// left out, so each mistake is reported once.
func (r *policyResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m policyModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || m.Type.IsUnknown() || m.Type.IsNull() {
		return
	}
	if _, ok := builtinDefault(m.Type.ValueString()); !ok {
		return
	}
	p := engine.Policy{Type: m.Type.ValueString()}
	if v := m.Severity; !v.IsNull() && !v.IsUnknown() && engine.Severity(v.ValueString()).Rank() > 0 {
		p.Severity = engine.Severity(v.ValueString())
	}
	if v := m.AggregationWindow; !v.IsNull() && !v.IsUnknown() {
		d, err := v.Duration()
		if err == nil && d >= policy.MinAggregationWindow && d <= policy.MaxAggregationWindow {
			p.AggregationWindow = engine.Duration(d)
		}
	}
	if _, err := policy.Normalize(p); err != nil {
		resp.Diagnostics.Append(invalidSetting(err, policyFields, path.Root("type")))
	}
}

// ModifyPlan fills every setting the configuration leaves out with the
// type's default from the engine's registry, so the plan shows what apply
// will write, a setting removed from the configuration goes back to its
// default, and a change made outside Terraform shows as a difference.
func (r *policyResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var config, plan policyModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || config.Type.IsUnknown() {
		return
	}
	def, ok := builtinDefault(config.Type.ValueString())
	if !ok {
		return
	}
	plan.ID = types.StringValue(def.ID())
	if config.Enabled.IsNull() {
		plan.Enabled = types.BoolValue(def.Enabled)
	}
	if config.Severity.IsNull() {
		plan.Severity = types.StringValue(string(def.Severity))
	}
	if config.AggregationWindow.IsNull() {
		plan.AggregationWindow = windowValue(def.AggregationWindow)
	}
	if config.RemediateRiskyUsers.IsNull() {
		plan.RemediateRiskyUsers = types.BoolValue(def.RemediateRiskyUsers)
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

func (r *policyResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	applyPlan(ctx, req.Plan, &resp.State, &resp.Diagnostics, func(ctx context.Context, plan policyModel) (policyModel, diag.Diagnostics) {
		return r.write(ctx, plan, createError)
	})
}

func (r *policyResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	applyPlan(ctx, req.Plan, &resp.State, &resp.Diagnostics, func(ctx context.Context, plan policyModel) (policyModel, diag.Diagnostics) {
		return r.write(ctx, plan, updateError)
	})
}

// write stores the planned policy and returns the state of what the engine
// stored.
func (r *policyResource) write(ctx context.Context, plan policyModel,
	fail func(string, error) diag.Diagnostic) (policyModel, diag.Diagnostics) {
	if r.client == nil {
		return plan, diag.Diagnostics{unconfiguredProvider(policyResourceName)}
	}
	p, diags := policyToEngine(plan)
	if diags.HasError() {
		return plan, diags
	}
	stored, err := r.client.PutPolicy(ctx, p)
	if err != nil {
		if errors.Is(err, engine.ErrInvalid) {
			diags.Append(invalidSetting(err, policyFields, path.Root("type")))
		} else {
			diags.Append(fail(policyResourceName+" "+p.ID(), err))
		}
		return plan, diags
	}
	return policyFromEngine(stored), diags
}

func (r *policyResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	if r.client == nil {
		resp.Diagnostics.Append(unconfiguredProvider(policyResourceName))
		return
	}
	var prior policyModel
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := prior.ID.ValueString()
	p, err := r.client.Policy(ctx, id)
	switch {
	case errors.Is(err, engine.ErrNotFound):
		// Only custom policies can vanish; built-ins always exist.
		resp.Diagnostics.Append(removedOutsideTerraform(policyResourceName, id))
		resp.State.RemoveResource(ctx)
		return
	case err != nil:
		resp.Diagnostics.Append(readError(policyResourceName+" "+id, err))
		return
	}
	next := policyFromEngine(p)
	resp.Diagnostics.Append(resp.State.Set(ctx, &next)...)
}

func (r *policyResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	if r.client == nil {
		resp.Diagnostics.Append(unconfiguredProvider(policyResourceName))
		return
	}
	var state policyModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := state.ID.ValueString()
	// Gone already is what destroy wants.
	if err := r.client.DeletePolicy(ctx, id); err != nil && !errors.Is(err, engine.ErrNotFound) {
		resp.Diagnostics.Append(deleteError(policyResourceName+" "+id, err))
	}
}

func (r *policyResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	def, ok := builtinDefault(req.ID)
	if !ok {
		resp.Diagnostics.Append(invalidImportID(policyResourceName, req.ID,
			"the import ID of a built-in policy is its type, one of "+strings.Join(builtinTypes(), ", ")+"."))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), def.ID())...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("type"), def.Type)...)
}

// policyToEngine converts a plan whose values ModifyPlan made known.
func policyToEngine(m policyModel) (engine.Policy, diag.Diagnostics) {
	var diags diag.Diagnostics
	p := engine.Policy{
		Type:                m.Type.ValueString(),
		Enabled:             m.Enabled.ValueBool(),
		Severity:            engine.Severity(m.Severity.ValueString()),
		RemediateRiskyUsers: m.RemediateRiskyUsers.ValueBool(),
	}
	if !m.AggregationWindow.IsNull() {
		d, err := m.AggregationWindow.Duration()
		if err != nil {
			diags.Append(invalidDuration(path.Root("aggregation_window"), m.AggregationWindow.ValueString(), err))
		}
		p.AggregationWindow = engine.Duration(d)
	}
	return p, diags
}

func policyFromEngine(p engine.Policy) policyModel {
	return policyModel{
		ID:                  types.StringValue(p.ID()),
		Type:                types.StringValue(p.Type),
		Enabled:             types.BoolValue(p.Enabled),
		Severity:            types.StringValue(string(p.Severity)),
		AggregationWindow:   windowValue(p.AggregationWindow),
		RemediateRiskyUsers: types.BoolValue(p.RemediateRiskyUsers),
	}
}

// windowValue is null for types that aggregate nothing.
func windowValue(w engine.Duration) durationValue {
	if w == 0 {
		return durationNull()
	}
	return durationOf(time.Duration(w))
}
