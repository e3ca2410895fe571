package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

const policyResourceName = "idp_policy"

type policyResource struct {
	client *engineConn
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
	Name                types.String  `tfsdk:"name"`
	Enabled             types.Bool    `tfsdk:"enabled"`
	Severity            types.String  `tfsdk:"severity"`
	Condition           types.String  `tfsdk:"condition"`
	GroupBy             types.String  `tfsdk:"group_by"`
	AggregationWindow   durationValue `tfsdk:"aggregation_window"`
	RemediateRiskyUsers types.Bool    `tfsdk:"remediate_risky_users"`
	Tests               types.List    `tfsdk:"tests"`
}

// policyTestModel is one entry of tests: configuration only, never sent
// to the engine.
type policyTestModel struct {
	Detection   types.String `tfsdk:"detection"`
	ExpectAlert types.Bool   `tfsdk:"expect_alert"`
}

var policyTestType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"detection":    types.StringType,
	"expect_alert": types.BoolType,
}}

// builtinDefault is the catalogue's default configuration of a built-in
// type; ok is false for anything else.
func builtinDefault(typ string) (engine.Policy, bool) {
	if !engine.IsBuiltinPolicy(typ) {
		return engine.Policy{}, false
	}
	return engine.DefaultPolicy(typ)
}

// typeDefaults is the default configuration of every type, in type order:
// the built-ins and custom.
func typeDefaults() []engine.Policy {
	var out []engine.Policy
	for _, t := range engine.PolicyTypes() {
		def, _ := engine.DefaultPolicy(t)
		out = append(out, def)
	}
	return out
}

// defaultsText states a setting's default per type, read from the
// engine's catalogue: "Defaults to `x`." when every type agrees, else one
// clause per type. Types that do not take the setting (show returns "")
// are left out.
func defaultsText(show func(engine.Policy) string) string {
	var parts []string
	seen := map[string]bool{}
	for _, p := range typeDefaults() {
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

func (r *policyResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_policy"
}

func (r *policyResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	custom := "`" + engine.PolicyCustom + "`"
	resp.Schema = schema.Schema{
		Description: "A policy that turns detections into alerts: one of the built-in policies, tuned, or a custom " +
			"policy whose CEL `condition` selects detections. Built-in policies always exist: creating this " +
			"resource applies its settings, destroying it restores the type's defaults. Custom policies are " +
			"created and deleted. Either way alerts are kept, and a changed setting applies to detections " +
			"processed after the change. Settings left out of the configuration take the type's defaults. " +
			"Inline `tests` run at plan time.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true,
				Description: "The policy's ID, also its import ID and the `policy` of its alerts: the type of a " +
					"built-in policy, the name of a custom one.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"type": schema.StringAttribute{
				Required: true,
				Description: "The policy's type: " + enumText(engine.PolicyTypes()) + ". `leaked_credentials` alerts on " +
					"each detection of leaked credentials; `risky_sign_in` aggregates a user's risky sign-ins per " +
					"aggregation window; " + custom + " alerts on the detections its `condition` selects. " +
					"Changing it replaces the resource.",
				Validators:    []validator.String{stringvalidator.OneOf(engine.PolicyTypes()...)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"name": schema.StringAttribute{
				Optional: true,
				Description: "The name of a custom policy: its ID, the `policy` of its alerts and its import ID. " +
					"1 to 63 characters matching `" + engine.PolicyNamePattern + "`, and not a policy type. Required " +
					"when `type` is " + custom + ", not allowed otherwise. Changing it replaces the resource: " +
					"a new policy, while the old one's alerts keep the old name.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"condition": schema.StringAttribute{
				Optional: true,
				Description: "A CEL expression over `detection`, one Graph riskDetection with its fields under " +
					"their Graph names, that returns a bool: the detections it selects belong to the policy's " +
					"alerts, for example `detection.riskEventType == \"anonymizedIPAddress\" && " +
					"detection.location.countryOrRegion != \"US\"`. A condition that does not compile or does not " +
					"return a bool fails the plan, and so does a `matches()` whose pattern is not a string literal " +
					"of at most 1000 bytes (and 1000 compiled instructions). Each evaluation has a time budget of " +
					"one second. Required when `type` is " + custom + ", not allowed otherwise; changed in place.",
			},
			"group_by": schema.StringAttribute{
				Optional: true, Computed: true,
				Description: "How a custom policy groups the detections it selects into alerts: `" +
					engine.GroupByDetection + "`, one alert per detection, or `" + engine.GroupByUser + "`, one " +
					"alert per user and `aggregation_window`, as `risky_sign_in` does. Only for " + custom +
					" policies (the built-ins group their own way). Defaults to `" + engine.GroupByDetection + "`.",
				Validators: []validator.String{stringvalidator.OneOf(engine.GroupByDetection, engine.GroupByUser)},
			},
			"enabled": schema.BoolAttribute{
				Optional: true, Computed: true,
				Description: "Whether the policy raises new alerts; a disabled policy keeps its old ones. " +
					defaultsText(func(p engine.Policy) string { return fmt.Sprint(p.Enabled) }),
			},
			"severity": schema.StringAttribute{
				Optional: true, Computed: true,
				Description: "The threshold: the lowest severity that raises an alert, one of " +
					enumText(engine.Severities) + " (`low` receives every alert, `high` only high ones). A " +
					"detection's severity is its `riskLevel`; an aggregated alert's is the highest of its " +
					"detections. " + defaultsText(func(p engine.Policy) string { return string(p.Severity) }),
				Validators: []validator.String{stringvalidator.OneOf(engine.SeverityNames()...)},
			},
			"aggregation_window": schema.StringAttribute{
				CustomType: durationType{},
				Optional:   true, Computed: true,
				Description: fmt.Sprintf("The window a user's detections are aggregated over, as a Go duration "+
					"from `%s` to `%s` (for example `12h` or `90m`), for `risky_sign_in` and for custom policies "+
					"with `group_by = \"%s\"`. Windows start at multiples of the window since the Unix epoch, in "+
					"UTC. Not allowed on policies that alert on each detection. Defaults to `%s` where it is allowed.",
					formatDuration(engine.MinAggregationWindow), formatDuration(engine.MaxAggregationWindow),
					engine.GroupByUser, formatDuration(engine.DefaultAggregationWindow)),
				Validators: []validator.String{durationBetween{min: engine.MinAggregationWindow, max: engine.MaxAggregationWindow}},
			},
			"remediate_risky_users": schema.BoolAttribute{
				Optional: true, Computed: true,
				Description: "Whether the users of the policy's open alerts are set to high risk (risk state " +
					"`confirmedCompromised`), which makes user risk analytics enforce the integration's actions " +
					"on them. Each remediation is written to the audit log. " +
					defaultsText(func(p engine.Policy) string { return fmt.Sprint(p.RemediateRiskyUsers) }),
			},
			"tests": schema.ListNestedAttribute{
				Optional: true,
				Description: "Inline tests, run at plan time against the policy as configured (condition, " +
					"threshold, enabled; built-in policies too): each test's detection is decoded as ingest " +
					"would and judged alone, as an alert of one detection. A failing test fails the plan with " +
					"its index, `tests[N]`, and what happened. Tests are configuration only: kept in the state " +
					"as written and never sent to the engine, so an import does not bring them back. A test " +
					"whose values are not known until apply runs at apply.",
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"detection": schema.StringAttribute{
							Required: true,
							Description: "One Graph riskDetection as JSON text, for example " +
								"`jsonencode({ id = \"t1\", userId = \"u1\", riskEventType = \"anonymizedIPAddress\", " +
								"riskLevel = \"high\", activityDateTime = \"2025-06-01T00:00:00Z\" })`. A detection " +
								"that ingest would quarantine fails its test.",
						},
						"expect_alert": schema.BoolAttribute{
							Required:    true,
							Description: "Whether the policy should alert on the detection.",
						},
					},
				},
			},
		},
	}
}

func (r *policyResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = configuredClient(req.ProviderData, &resp.Diagnostics)
}

// policyFields maps the engine's field names to attribute paths.
var policyFields = map[string]path.Path{
	"type":               path.Root("type"),
	"name":               path.Root("name"),
	"condition":          path.Root("condition"),
	"group_by":           path.Root("group_by"),
	"severity":           path.Root("severity"),
	"aggregation_window": path.Root("aggregation_window"),
}

// ValidateConfig checks at validate time what needs no engine: which
// settings each type takes. The engine cannot tell an unknown value from
// an absent one, so this is checked here; everything else the engine
// decides at plan time (ModifyPlan, policy_plan.go).
func (r *policyResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m policyModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || m.Type.IsUnknown() || m.Type.IsNull() {
		return
	}
	typ := m.Type.ValueString()
	if _, ok := engine.DefaultPolicy(typ); !ok {
		return // the type's OneOf says so
	}
	custom := !engine.IsBuiltinPolicy(typ)
	for _, a := range []struct {
		name     string
		value    attr.Value
		required bool
	}{
		{"name", m.Name, true},
		{"condition", m.Condition, true},
		{"group_by", m.GroupBy, false},
	} {
		switch {
		case custom && a.required && a.value.IsNull():
			resp.Diagnostics.Append(missingForType(path.Root(a.name), typ))
		case !custom && !a.value.IsNull():
			resp.Diagnostics.Append(notAllowedForType(path.Root(a.name), typ, engine.PolicyCustom))
		}
	}
}

func (r *policyResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	applyPlan(ctx, req.Plan, &resp.State, &resp.Diagnostics, func(ctx context.Context, plan policyModel) (policyModel, diag.Diagnostics) {
		return r.write(ctx, plan, true)
	})
}

func (r *policyResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	applyPlan(ctx, req.Plan, &resp.State, &resp.Diagnostics, func(ctx context.Context, plan policyModel) (policyModel, diag.Diagnostics) {
		return r.write(ctx, plan, false)
	})
}

// write stores the planned policy and returns the state of what the engine
// stored. Creating a custom policy refuses a name that is taken, rather
// than taking over a policy another configuration (or the command line)
// made; creating a built-in claims it, and fails when another resource
// manages it already. Updates replace, and hold a built-in's claim.
func (r *policyResource) write(ctx context.Context, plan policyModel, create bool) (policyModel, diag.Diagnostics) {
	if r.client == nil {
		return plan, diag.Diagnostics{unconfiguredProvider(policyResourceName)}
	}
	p, diags := policyToEngine(plan)
	if diags.HasError() {
		return plan, diags
	}
	var (
		stored engine.Policy
		err    error
	)
	if create {
		stored, err = r.client.CreatePolicy(ctx, p)
	} else {
		stored, err = r.client.PutPolicy(ctx, p)
	}
	if err != nil {
		what := policyResourceName + " " + p.ID()
		switch {
		case errors.Is(err, engine.ErrAlreadyExists) && engine.IsBuiltinPolicy(p.Type):
			diags.Append(singletonClaimed(policyResourceName, p.Type, err))
		case errors.Is(err, engine.ErrAlreadyExists):
			diags.Append(policyNameTaken(path.Root("name"), p.Name, err))
		case errors.Is(err, engine.ErrInvalid):
			diags.Append(invalidSetting(err, policyFields, path.Root("type")))
		case create:
			diags.Append(createError(what, err))
		default:
			diags.Append(updateError(what, err))
		}
		return plan, diags
	}
	next := policyFromEngine(stored)
	next.Tests = plan.Tests
	return next, diags
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
	r.client.warnIfStoreNew(ctx, &resp.Diagnostics)
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
	// Tests live in the configuration alone: the engine has none to read.
	next.Tests = prior.Tests
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
		what := policyResourceName + " " + id
		if engine.IsBuiltinPolicy(id) {
			resp.Diagnostics.Append(deleteError(what, err))
		} else {
			resp.Diagnostics.Append(deleteCustomError(what, err))
		}
	}
}

// ImportState takes a built-in's type or a custom policy's name; Read
// fills in the rest.
func (r *policyResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	want := "the import ID of a built-in policy is its type, one of " + strings.Join(engine.BuiltinPolicyTypes(), ", ") +
		", and that of a custom policy its name."
	if def, ok := builtinDefault(req.ID); ok {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), def.ID())...)
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("type"), def.Type)...)
		return
	}
	if err := engine.ValidatePolicyName(req.ID); err != nil {
		resp.Diagnostics.Append(invalidImportID(policyResourceName, req.ID, want+originalError(err)))
		return
	}
	if r.client == nil {
		resp.Diagnostics.Append(unconfiguredProvider(policyResourceName))
		return
	}
	// Asked here so that a mistyped type or name gets this answer rather
	// than Terraform's "non-existent remote object".
	if _, err := r.client.Policy(ctx, req.ID); err != nil {
		if errors.Is(err, engine.ErrNotFound) {
			resp.Diagnostics.Append(invalidImportID(policyResourceName, req.ID, "no policy of that name exists in the engine; "+want))
		} else {
			resp.Diagnostics.Append(readError(policyResourceName+" "+req.ID, err))
		}
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("type"), engine.PolicyCustom)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), req.ID)...)
}

// policyToEngine converts a plan whose values ModifyPlan made known.
func policyToEngine(m policyModel) (engine.Policy, diag.Diagnostics) {
	var diags diag.Diagnostics
	p := engine.Policy{
		Type:                m.Type.ValueString(),
		Name:                m.Name.ValueString(),
		Enabled:             m.Enabled.ValueBool(),
		Severity:            engine.Severity(m.Severity.ValueString()),
		Condition:           m.Condition.ValueString(),
		GroupBy:             m.GroupBy.ValueString(),
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

// policyFromEngine is the state of a stored policy, tests aside. Name,
// condition and grouping are a custom policy's; the built-ins group their
// own way, so theirs stay null.
func policyFromEngine(p engine.Policy) policyModel {
	m := policyModel{
		ID:                  types.StringValue(p.ID()),
		Type:                types.StringValue(p.Type),
		Name:                types.StringNull(),
		Enabled:             types.BoolValue(p.Enabled),
		Severity:            types.StringValue(string(p.Severity)),
		Condition:           types.StringNull(),
		GroupBy:             types.StringNull(),
		AggregationWindow:   windowValue(p.AggregationWindow),
		RemediateRiskyUsers: types.BoolValue(p.RemediateRiskyUsers),
		Tests:               types.ListNull(policyTestType),
	}
	if !engine.IsBuiltinPolicy(p.Type) {
		m.Name = types.StringValue(p.Name)
		m.Condition = types.StringValue(p.Condition)
		m.GroupBy = types.StringValue(p.GroupBy)
	}
	return m
}

// windowValue is null for policies that aggregate nothing.
func windowValue(w engine.Duration) durationValue {
	if w == 0 {
		return durationNull()
	}
	return durationOf(time.Duration(w))
}
