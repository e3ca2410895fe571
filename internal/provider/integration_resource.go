package provider

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/objectdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/idp/terraform-provider-idp/internal/client"
	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/service"
)

// integrationID is the ID of the singleton, in the state and for import.
const integrationID = "integration"

const integrationResourceName = "idp_integration"

type integrationResource struct {
	client client.Client
}

var (
	_ resource.ResourceWithConfigure      = (*integrationResource)(nil)
	_ resource.ResourceWithImportState    = (*integrationResource)(nil)
	_ resource.ResourceWithValidateConfig = (*integrationResource)(nil)
)

func newIntegrationResource() resource.Resource { return &integrationResource{} }

type integrationModel struct {
	ID            types.String `tfsdk:"id"`
	Enabled       types.Bool   `tfsdk:"enabled"`
	RetentionDays types.Int64  `tfsdk:"retention_days"`
	Actions       types.Object `tfsdk:"actions"`
	Source        types.Object `tfsdk:"source"`
}

type actionsModel struct {
	ResetPassword        types.Bool `tfsdk:"reset_password"`
	RequireMFA           types.Bool `tfsdk:"require_mfa"`
	RequireManagedDevice types.Bool `tfsdk:"require_managed_device"`
}

type sourceModel struct {
	File types.Object `tfsdk:"file"`
}

type fileSourceModel struct {
	Detections types.List `tfsdk:"detections"`
	Devices    types.List `tfsdk:"devices"`
}

var (
	actionsAttrTypes = map[string]attr.Type{
		"reset_password":         types.BoolType,
		"require_mfa":            types.BoolType,
		"require_managed_device": types.BoolType,
	}
	fileSourceAttrTypes = map[string]attr.Type{
		"detections": types.ListType{ElemType: types.StringType},
		"devices":    types.ListType{ElemType: types.StringType},
	}
	sourceAttrTypes = map[string]attr.Type{
		"file": types.ObjectType{AttrTypes: fileSourceAttrTypes},
	}
)

func (r *integrationResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_integration"
}

func (r *integrationResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	def := engine.DefaultIntegration()
	boolText := func(b bool) string { return fmt.Sprintf("`%t`", b) }
	pathList := func(what string) schema.ListAttribute {
		return schema.ListAttribute{
			Optional:    true,
			ElementType: types.StringType,
			Description: fmt.Sprintf("Files of Microsoft Graph `%s` records, as NDJSON (one object a line) or Graph pages "+
				"(`{\"value\": [...]}`). Relative paths are resolved against the directory Terraform runs in (the root "+
				"module's directory); the engine stores them as absolute paths. Each file is read from where the last "+
				"read stopped, so a file that grows is only read where it grew. Unset: none.", what),
			Validators: []validator.List{listvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1))},
		}
	}
	actionAttr := func(what string, def bool) schema.BoolAttribute {
		return schema.BoolAttribute{
			Optional: true, Computed: true,
			Default:     booldefault.StaticBool(def),
			Description: what + " Defaults to " + boolText(def) + ".",
		}
	}
	resp.Schema = schema.Schema{
		Description: "The integration's settings: whether the engine ingests, how long it keeps alerts, which actions " +
			"user risk analytics enforces on remediated users, and the source it pulls detections from. The " +
			"integration is a singleton that always exists: creating this resource tunes it, destroying it restores " +
			"the defaults (alerts are kept). Declare it once per engine.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:      true,
				Description:   "Always `" + integrationID + "`, the singleton's ID (also the import ID).",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"enabled": schema.BoolAttribute{
				Optional: true, Computed: true,
				Default: booldefault.StaticBool(def.Enabled),
				Description: "Whether the engine ingests. While disabled it ingests nothing and consumes nothing " +
					"from its source (a later enable picks up where it stopped); existing alerts are kept until " +
					"retention purges them. Defaults to " + boolText(def.Enabled) + ".",
			},
			"retention_days": schema.Int64Attribute{
				Optional: true, Computed: true,
				Default: int64default.StaticInt64(int64(def.RetentionDays)),
				Description: fmt.Sprintf("Days an alert is kept after its last update, from %d to %d. Defaults to `%d`.",
					engine.MinRetentionDays, engine.MaxRetentionDays, def.RetentionDays),
				Validators: []validator.Int64{int64validator.Between(engine.MinRetentionDays, engine.MaxRetentionDays)},
			},
			"actions": schema.SingleNestedAttribute{
				Optional: true, Computed: true,
				Default: objectdefault.StaticValue(actionsObject(def.Actions)),
				Description: "Actions user risk analytics enforces on a user that a remediating policy set to high " +
					"risk. Defaults to all three on.",
				Attributes: map[string]schema.Attribute{
					"reset_password": actionAttr("Require a secure password reset.", def.Actions.ResetPassword),
					"require_mfa":    actionAttr("Require multi-factor authentication.", def.Actions.RequireMFA),
					"require_managed_device": actionAttr("Require a managed device, for users with no device that is "+
						"`managed` and `compliant` in the ingested managedDevice records.", def.Actions.RequireManagedDevice),
				},
			},
			"source": schema.SingleNestedAttribute{
				Optional: true,
				Description: "Where the engine pulls detections from. Each read of the `idp_alerts` data source " +
					"first processes what the source holds beyond what was already read. Defaults to no source: " +
					"detections then arrive only through `terraform-provider-idp engine ingest`.",
				Attributes: map[string]schema.Attribute{
					"file": schema.SingleNestedAttribute{
						Optional:    true,
						Description: "Read detections and devices from local files. Unset: no file source.",
						Attributes: map[string]schema.Attribute{
							"detections": pathList("riskDetection"),
							"devices":    pathList("managedDevice"),
						},
					},
				},
			},
		},
	}
}

func (r *integrationResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = configuredClient(req.ProviderData, &resp.Diagnostics)
}

// ValidateConfig runs the engine's own check of the settings at plan time,
// on the values the attribute validators have not already refused.
func (r *integrationResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m integrationModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in := engine.DefaultIntegration()
	if v := m.RetentionDays; !v.IsNull() && !v.IsUnknown() &&
		v.ValueInt64() >= engine.MinRetentionDays && v.ValueInt64() <= engine.MaxRetentionDays {
		in.RetentionDays = int(v.ValueInt64())
	}
	if m.Source.IsUnknown() {
		return
	}
	if !m.Source.IsNull() {
		var src sourceModel
		resp.Diagnostics.Append(m.Source.As(ctx, &src, objectAsOptions)...)
		if resp.Diagnostics.HasError() || src.File.IsUnknown() {
			return
		}
		in.Source = &engine.Source{}
		if !src.File.IsNull() {
			in.Source.File = &engine.FileSource{}
		}
	}
	if err := service.ValidateIntegration(in); err != nil {
		resp.Diagnostics.Append(invalidSetting(err, integrationFields, path.Root("source")))
	}
}

// integrationFields maps the engine's field names to attribute paths.
var integrationFields = map[string]path.Path{
	"retention_days": path.Root("retention_days"),
	"source":         path.Root("source"),
}

func (r *integrationResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	applyPlan(ctx, req.Plan, &resp.State, &resp.Diagnostics, func(ctx context.Context, plan integrationModel) (integrationModel, diag.Diagnostics) {
		return r.write(ctx, plan, createError)
	})
}

func (r *integrationResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	applyPlan(ctx, req.Plan, &resp.State, &resp.Diagnostics, func(ctx context.Context, plan integrationModel) (integrationModel, diag.Diagnostics) {
		return r.write(ctx, plan, updateError)
	})
}

// write stores the planned settings and returns the state of what the
// engine stored.
func (r *integrationResource) write(ctx context.Context, plan integrationModel,
	fail func(string, error) diag.Diagnostic) (integrationModel, diag.Diagnostics) {
	if r.client == nil {
		return plan, diag.Diagnostics{unconfiguredProvider(integrationResourceName)}
	}
	in, diags := integrationToEngine(ctx, plan)
	if diags.HasError() {
		return plan, diags
	}
	stored, err := r.client.SetIntegration(ctx, in)
	if err != nil {
		if errors.Is(err, engine.ErrInvalid) {
			diags.Append(invalidSetting(err, integrationFields, path.Root("source")))
		} else {
			diags.Append(fail(integrationResourceName, err))
		}
		return plan, diags
	}
	next, d := integrationFromEngine(ctx, stored, plan)
	diags.Append(d...)
	return next, diags
}

func (r *integrationResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	if r.client == nil {
		resp.Diagnostics.Append(unconfiguredProvider(integrationResourceName))
		return
	}
	var prior integrationModel
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in, err := r.client.Integration(ctx)
	if err != nil {
		resp.Diagnostics.Append(readError(integrationResourceName, err))
		return
	}
	next, d := integrationFromEngine(ctx, in, prior)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &next)...)
}

func (r *integrationResource) Delete(ctx context.Context, _ resource.DeleteRequest, resp *resource.DeleteResponse) {
	if r.client == nil {
		resp.Diagnostics.Append(unconfiguredProvider(integrationResourceName))
		return
	}
	if err := r.client.ResetIntegration(ctx); err != nil {
		resp.Diagnostics.Append(deleteError(integrationResourceName, err))
	}
}

func (r *integrationResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if req.ID != integrationID {
		resp.Diagnostics.Append(invalidImportID(integrationResourceName, req.ID,
			"the integration is a singleton whose import ID is always \""+integrationID+"\"."))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), integrationID)...)
}

// objectAsOptions: callers check the object itself for null and unknown
// before reading it; its fields are framework types that hold either.
var objectAsOptions = basetypes.ObjectAsOptions{}

// integrationToEngine converts known plan values into the engine's
// settings, resolving relative paths against the working directory (the
// configuration's directory).
func integrationToEngine(ctx context.Context, m integrationModel) (engine.Integration, diag.Diagnostics) {
	var diags diag.Diagnostics
	in := engine.Integration{
		Enabled:       m.Enabled.ValueBool(),
		RetentionDays: int(m.RetentionDays.ValueInt64()),
	}
	var a actionsModel
	diags.Append(m.Actions.As(ctx, &a, objectAsOptions)...)
	in.Actions = engine.Actions{
		ResetPassword:        a.ResetPassword.ValueBool(),
		RequireMFA:           a.RequireMFA.ValueBool(),
		RequireManagedDevice: a.RequireManagedDevice.ValueBool(),
	}
	if m.Source.IsNull() {
		return in, diags
	}
	var src sourceModel
	diags.Append(m.Source.As(ctx, &src, objectAsOptions)...)
	in.Source = &engine.Source{}
	if !src.File.IsNull() {
		var f fileSourceModel
		diags.Append(src.File.As(ctx, &f, objectAsOptions)...)
		in.Source.File = &engine.FileSource{}
		in.Source.File.Detections, diags = absolutePaths(ctx, f.Detections, diags)
		in.Source.File.Devices, diags = absolutePaths(ctx, f.Devices, diags)
	}
	return in, diags
}

func absolutePaths(ctx context.Context, l types.List, diags diag.Diagnostics) ([]string, diag.Diagnostics) {
	if l.IsNull() {
		return nil, diags
	}
	var paths []string
	diags.Append(l.ElementsAs(ctx, &paths, false)...)
	for i, p := range paths {
		if abs, err := filepath.Abs(p); err == nil {
			paths[i] = abs
		}
	}
	return paths, diags
}

// integrationFromEngine builds the state from what the engine holds. Where
// the engine holds the same file as prior names (the plan or the old
// state), prior's text is kept, so a relative path stays relative and an
// empty list stays empty rather than turning null.
func integrationFromEngine(ctx context.Context, in engine.Integration, prior integrationModel) (integrationModel, diag.Diagnostics) {
	var diags diag.Diagnostics
	m := integrationModel{
		ID:            types.StringValue(integrationID),
		Enabled:       types.BoolValue(in.Enabled),
		RetentionDays: types.Int64Value(int64(in.RetentionDays)),
		Actions:       actionsObject(in.Actions),
		Source:        types.ObjectNull(sourceAttrTypes),
	}
	if in.Source == nil {
		return m, diags
	}
	var priorFile fileSourceModel
	if !prior.Source.IsNull() && !prior.Source.IsUnknown() {
		var ps sourceModel
		diags.Append(prior.Source.As(ctx, &ps, objectAsOptions)...)
		if !ps.File.IsNull() && !ps.File.IsUnknown() {
			diags.Append(ps.File.As(ctx, &priorFile, objectAsOptions)...)
		}
	}
	file := types.ObjectNull(fileSourceAttrTypes)
	if in.Source.File != nil {
		var d diag.Diagnostics
		file, d = types.ObjectValue(fileSourceAttrTypes, map[string]attr.Value{
			"detections": pathsValue(ctx, in.Source.File.Detections, priorFile.Detections, &diags),
			"devices":    pathsValue(ctx, in.Source.File.Devices, priorFile.Devices, &diags),
		})
		diags.Append(d...)
	}
	src, d := types.ObjectValue(sourceAttrTypes, map[string]attr.Value{"file": file})
	diags.Append(d...)
	m.Source = src
	return m, diags
}

func pathsValue(ctx context.Context, stored []string, prior types.List, diags *diag.Diagnostics) types.List {
	var priorPaths []string
	if !prior.IsNull() && !prior.IsUnknown() {
		diags.Append(prior.ElementsAs(ctx, &priorPaths, false)...)
	}
	if len(stored) == 0 && prior.IsNull() {
		return types.ListNull(types.StringType)
	}
	out := make([]attr.Value, len(stored))
	for i, s := range stored {
		text := s
		if i < len(priorPaths) {
			if abs, err := filepath.Abs(priorPaths[i]); err == nil && abs == s {
				text = priorPaths[i]
			}
		}
		out[i] = types.StringValue(text)
	}
	l, d := types.ListValue(types.StringType, out)
	diags.Append(d...)
	return l
}

func actionsObject(a engine.Actions) types.Object {
	return types.ObjectValueMust(actionsAttrTypes, map[string]attr.Value{
		"reset_password":         types.BoolValue(a.ResetPassword),
		"require_mfa":            types.BoolValue(a.RequireMFA),
		"require_managed_device": types.BoolValue(a.RequireManagedDevice),
	})
}
