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
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

// integrationID is the ID of the singleton, in the state and for import.
const integrationID = "integration"

const integrationResourceName = "idp_integration"

type integrationResource struct {
	client *engineConn
}

var (
	_ resource.ResourceWithConfigure   = (*integrationResource)(nil)
	_ resource.ResourceWithImportState = (*integrationResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*integrationResource)(nil)
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
	File  types.Object `tfsdk:"file"`
	Graph types.Object `tfsdk:"graph"`
}

type fileSourceModel struct {
	Detections types.List `tfsdk:"detections"`
	Devices    types.List `tfsdk:"devices"`
}

type graphSourceModel struct {
	TenantID              types.String `tfsdk:"tenant_id"`
	ClientID              types.String `tfsdk:"client_id"`
	ClientSecret          types.String `tfsdk:"client_secret"`
	ClientSecretWO        types.String `tfsdk:"client_secret_wo"`
	ClientSecretWOVersion types.Int64  `tfsdk:"client_secret_wo_version"`
	AuthorityURL          types.String `tfsdk:"authority_url"`
	GraphURL              types.String `tfsdk:"graph_url"`
	PageSize              types.Int64  `tfsdk:"page_size"`
	Writeback             types.Bool   `tfsdk:"writeback"`
}

var (
	actionsAttrTypes = map[string]attr.Type{
		"reset_password":         types.BoolType,
		"require_mfa":            types.BoolType,
		"require_managed_device": types.BoolType,
	}
	fileSourceAttrTypes = map[string]attr.Type{
		"detections": types.ListType{ElemType: filePathType{}},
		"devices":    types.ListType{ElemType: filePathType{}},
	}
	graphSourceAttrTypes = map[string]attr.Type{
		"tenant_id":                types.StringType,
		"client_id":                types.StringType,
		"client_secret":            types.StringType,
		"client_secret_wo":         types.StringType,
		"client_secret_wo_version": types.Int64Type,
		"authority_url":            types.StringType,
		"graph_url":                types.StringType,
		"page_size":                types.Int64Type,
		"writeback":                types.BoolType,
	}
	sourceAttrTypes = map[string]attr.Type{
		"file":  types.ObjectType{AttrTypes: fileSourceAttrTypes},
		"graph": types.ObjectType{AttrTypes: graphSourceAttrTypes},
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
			Optional: true, Computed: true,
			ElementType: filePathType{},
			Description: fmt.Sprintf("Files of Microsoft Graph `%s` records, as NDJSON (one object a line) or Graph pages "+
				"(`{\"value\": [...]}`), read by the engine: with the embedded engine, relative paths are resolved against "+
				"the directory Terraform runs in (the root module's directory) and stored as absolute paths; in remote "+
				"mode (`endpoint`) the server reads the files, so paths name files on its host and are sent as written "+
				"(a relative one is resolved against the server's working directory). Each file is read from where the "+
				"last read stopped, so a file that grows is only read where it grew. With the embedded engine a "+
				"relative path and its absolute form are the same value: changing one into the other, or "+
				"importing, plans no change. Unset: none.", what),
			Validators:    []validator.List{listvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1))},
			PlanModifiers: []planmodifier.List{nullWhenUnset{}},
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
				Computed: true,
				// Known at plan: the singleton's ID never changes.
				Default:     stringdefault.StaticString(integrationID),
				Description: "Always `" + integrationID + "`, the singleton's ID (also the import ID).",
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
				Description: "Where the engine pulls detections from: exactly one of `file` or `graph`. Each read of " +
					"the `idp_alerts` data source first processes what the source holds beyond what was already " +
					"read. Defaults to no source: detections then arrive only through " +
					"`terraform-provider-idp engine ingest`.",
				Attributes: map[string]schema.Attribute{
					"file": schema.SingleNestedAttribute{
						Optional:    true,
						Description: "Read detections and devices from files on the engine's host (the server's, in remote mode). Unset: no file source.",
						Attributes: map[string]schema.Attribute{
							"detections": pathList("riskDetection"),
							"devices":    pathList("managedDevice"),
						},
					},
					"graph": graphSourceSchema(),
				},
			},
		},
	}
}

// graphSourceSchema is source.graph. Its values are checked by the
// engine at plan time (ModifyPlan, integration_plan.go), so that a value
// refused at plan time is exactly one the engine that applies it would
// refuse; only what the engine cannot see is checked here: an empty URL,
// which the engine reads as its default.
func graphSourceSchema() schema.SingleNestedAttribute {
	urlAttr := func(name, def, what string) schema.StringAttribute {
		return schema.StringAttribute{
			Optional: true, Computed: true,
			Default: stringdefault.StaticString(def),
			Description: what + " An absolute `https` URL (plain `http` is accepted only on a loopback host, for " +
				"test servers). Defaults to `" + def + "`.",
			Validators: []validator.String{notEmptyURL{name: name}},
		}
	}
	return schema.SingleNestedAttribute{
		Optional: true,
		Description: "Pull detections and devices from Microsoft Graph with an app registration's client " +
			"credentials (OAuth 2.0 client-credentials flow). The application needs the Microsoft Graph " +
			"application permissions `" + engine.GraphPermissionRiskDetections + "` and `" + engine.GraphPermissionManagedDevices +
			"`, and `" + engine.GraphPermissionRiskyUsers + "` for `writeback`, with admin consent. Each sync reads " +
			"every managed device, then the riskDetections changed since the last sync, one request a second " +
			"at most (Identity Protection's limit). Unset: no Graph source.",
		Attributes: map[string]schema.Attribute{
			"tenant_id": schema.StringAttribute{
				Required:    true,
				Description: "The Entra ID tenant: its id (a GUID) or a verified domain such as `contoso.onmicrosoft.com`.",
			},
			"client_id": schema.StringAttribute{
				Required:    true,
				Description: "The application (client) id of the app registration.",
			},
			"client_secret": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				Description: "A client secret of the app registration, kept in the Terraform state (shown in neither " +
					"plans nor logs). The engine keeps it sealed with its key (never in plaintext) and never returns " +
					"it, so a secret changed outside Terraform does not show in plans, while one removed does. " +
					"`client_secret_wo` keeps it out of the state. With neither, the engine reads the `" +
					engine.GraphSecretEnv + "` environment variable of the process that syncs (the one running " +
					"Terraform, for the embedded engine; the server's, in remote mode) each time it syncs, and the " +
					"secret is then neither in the Terraform state nor in the engine's store.",
				// The length only: a validator's message must not quote the value.
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"client_secret_wo": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				WriteOnly: true,
				Description: "The client secret as a write-only argument (Terraform 1.11 and later): sent to the " +
					"engine, which keeps it sealed, and never stored in the Terraform state or plan. It is sent " +
					"when the resource is created and whenever `client_secret_wo_version` changes: change the " +
					"version to rotate the secret. Conflicts with `client_secret`.",
				Validators: []validator.String{
					stringvalidator.LengthAtLeast(1),
					stringvalidator.ConflictsWith(path.MatchRelative().AtParent().AtName("client_secret")),
					stringvalidator.AlsoRequires(path.MatchRelative().AtParent().AtName("client_secret_wo_version")),
				},
			},
			"client_secret_wo_version": schema.Int64Attribute{
				Optional: true,
				Description: "Any number, changed to send `client_secret_wo` again (a rotation). Required with " +
					"`client_secret_wo`. When the engine no longer holds a secret, the next plan shows this " +
					"attribute changing, and applying it sends the secret again.",
				Validators: []validator.Int64{
					int64validator.AlsoRequires(path.MatchRelative().AtParent().AtName("client_secret_wo")),
				},
			},
			"authority_url": urlAttr("authority_url", engine.DefaultGraphAuthorityURL,
				"The Microsoft Entra authority that issues the tokens; differs in sovereign clouds "+
					"(`https://login.microsoftonline.us`, `https://login.chinacloudapi.cn`)."),
			"graph_url": urlAttr("graph_url", engine.DefaultGraphURL,
				"The Microsoft Graph base URL; differs in sovereign clouds (`https://graph.microsoft.us`, "+
					"`https://dod-graph.microsoft.us`, `https://microsoftgraph.chinacloudapi.cn`). Tokens are "+
					"requested for its `/.default` scope."),
			"page_size": schema.Int64Attribute{
				Optional: true, Computed: true,
				Default: int64default.StaticInt64(engine.MaxGraphPageSize),
				Description: fmt.Sprintf("Detections per page (`$top`), from 1 to %d. Each page is committed with "+
					"its cursor, so an interrupted sync re-reads at most one page. Defaults to `%d`.",
					engine.MaxGraphPageSize, engine.MaxGraphPageSize),
				Validators: []validator.Int64{int64validator.Between(1, engine.MaxGraphPageSize)},
			},
			"writeback": schema.BoolAttribute{
				Optional: true, Computed: true,
				Default: booldefault.StaticBool(false),
				Description: "Report each user a remediating policy set to high risk to Identity Protection " +
					"(`riskyUsers/confirmCompromised`, which marks the user confirmed compromised), once per " +
					"remediation, after the sync's ingest. Failures are recorded in the remediation audit log and " +
					"retried by later syncs; they never hold back ingestion. Needs `" + engine.GraphPermissionRiskyUsers +
					"`. Defaults to `false`.",
			},
		},
	}
}

// notEmptyURL refuses an empty authority_url or graph_url: the engine
// reads "" as its default, but in a configuration it is a mistake (left
// out, the attribute takes the default).
type notEmptyURL struct{ name string }

var _ validator.String = notEmptyURL{}

func (v notEmptyURL) Description(context.Context) string { return "value " + urlRequirement }

func (v notEmptyURL) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v notEmptyURL) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() || req.ConfigValue.ValueString() != "" {
		return
	}
	resp.Diagnostics.Append(invalidAttributeValue(req.Path, v.Description(ctx), `""`,
		fmt.Errorf("%w: graph source: %s is empty: it must be an absolute https URL", engine.ErrInvalid, v.name)))
}

func (r *integrationResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = configuredClient(req.ProviderData, &resp.Diagnostics)
}

// integrationFields maps the engine's field names to attribute paths.
var integrationFields = func() map[string]path.Path {
	m := map[string]path.Path{
		"retention_days":         path.Root("retention_days"),
		"source":                 path.Root("source"),
		"source.file.detections": path.Root("source").AtName("file").AtName("detections"),
		"source.file.devices":    path.Root("source").AtName("file").AtName("devices"),
	}
	for name := range graphSourceAttrTypes {
		m["source.graph."+name] = path.Root("source").AtName("graph").AtName(name)
	}
	return m
}()

func (r *integrationResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	applyPlan(ctx, req.Plan, &resp.State, &resp.Diagnostics, func(ctx context.Context, plan integrationModel) (integrationModel, diag.Diagnostics) {
		return r.write(ctx, plan, secretSource{config: req.Config}, true)
	})
}

func (r *integrationResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var prior integrationModel
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	applyPlan(ctx, req.Plan, &resp.State, &resp.Diagnostics, func(ctx context.Context, plan integrationModel) (integrationModel, diag.Diagnostics) {
		return r.write(ctx, plan, secretSource{config: req.Config, prior: &prior}, false)
	})
}

// write stores the planned settings and returns the state of what the
// engine stored. Create claims the singleton, and fails when another
// resource manages it already; Update holds the claim, which is how an
// imported integration is taken over.
func (r *integrationResource) write(ctx context.Context, plan integrationModel, secret secretSource, create bool) (integrationModel, diag.Diagnostics) {
	if r.client == nil {
		return plan, diag.Diagnostics{unconfiguredProvider(integrationResourceName)}
	}
	in, diags := integrationToEngine(ctx, plan, !r.client.Remote())
	if diags.HasError() {
		return plan, diags
	}
	diags.Append(secret.apply(ctx, &in, plan)...)
	if diags.HasError() {
		return plan, diags
	}
	write, fail := r.client.SetIntegration, updateError
	if create {
		write, fail = r.client.CreateIntegration, createError
	}
	stored, err := write(ctx, in)
	if err != nil {
		switch {
		case errors.Is(err, engine.ErrInvalid):
			diags.Append(invalidSetting(err, integrationFields, path.Root("source")))
		case errors.Is(err, engine.ErrAlreadyExists):
			diags.Append(singletonClaimed(integrationResourceName, integrationID, err))
		default:
			diags.Append(fail(integrationResourceName, err))
		}
		return plan, diags
	}
	// The state is the plan's where the engine answers only whether a
	// secret is held: what was applied is what was planned.
	next, d := integrationFromEngine(ctx, stored, plan, false)
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
	r.client.warnIfStoreNew(ctx, &resp.Diagnostics)
	in, err := r.client.Integration(ctx)
	if err != nil {
		resp.Diagnostics.Append(readError(integrationResourceName, err))
		return
	}
	next, d := integrationFromEngine(ctx, in, prior, true)
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
// settings. With resolvePaths (an embedded engine) relative paths are
// resolved against the working directory (the configuration's directory);
// otherwise they go as written, for the server to resolve on its host.
func integrationToEngine(ctx context.Context, m integrationModel, resolvePaths bool) (engine.Integration, diag.Diagnostics) {
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
		in.Source.File.Detections, diags = filePaths(ctx, f.Detections, resolvePaths, diags)
		in.Source.File.Devices, diags = filePaths(ctx, f.Devices, resolvePaths, diags)
	}
	if !src.Graph.IsNull() {
		var g graphSourceModel
		diags.Append(src.Graph.As(ctx, &g, objectAsOptions)...)
		in.Source.Graph = &engine.GraphSource{
			TenantID:     g.TenantID.ValueString(),
			ClientID:     g.ClientID.ValueString(),
			ClientSecret: g.ClientSecret.ValueString(), // null: "", the environment's
			AuthorityURL: g.AuthorityURL.ValueString(),
			GraphURL:     g.GraphURL.ValueString(),
			PageSize:     int(g.PageSize.ValueInt64()),
			Writeback:    g.Writeback.ValueBool(),
		}
	}
	return in, diags
}

func filePaths(ctx context.Context, l types.List, resolve bool, diags diag.Diagnostics) ([]string, diag.Diagnostics) {
	if l.IsNull() {
		return nil, diags
	}
	var paths []string
	diags.Append(l.ElementsAs(ctx, &paths, false)...)
	if !resolve {
		return paths, diags
	}
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
// empty list stays empty rather than turning null. With read (a refresh),
// a client secret the engine no longer holds shows as gone
// (graphSourceObject).
func integrationFromEngine(ctx context.Context, in engine.Integration, prior integrationModel, read bool) (integrationModel, diag.Diagnostics) {
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
	var priorGraph graphSourceModel
	if !prior.Source.IsNull() && !prior.Source.IsUnknown() {
		var ps sourceModel
		diags.Append(prior.Source.As(ctx, &ps, objectAsOptions)...)
		if !ps.File.IsNull() && !ps.File.IsUnknown() {
			diags.Append(ps.File.As(ctx, &priorFile, objectAsOptions)...)
		}
		if !ps.Graph.IsNull() && !ps.Graph.IsUnknown() {
			diags.Append(ps.Graph.As(ctx, &priorGraph, objectAsOptions)...)
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
	graphObj := types.ObjectNull(graphSourceAttrTypes)
	if in.Source.Graph != nil {
		var d diag.Diagnostics
		graphObj, d = graphSourceObject(*in.Source.Graph, priorGraph, read)
		diags.Append(d...)
	}
	src, d := types.ObjectValue(sourceAttrTypes, map[string]attr.Value{"file": file, "graph": graphObj})
	diags.Append(d...)
	m.Source = src
	return m, diags
}

// graphSourceObject is the state of a graph source. The engine holds ""
// for a URL or page size left to its default, which the state shows as
// that default, as the plan does.
//
// The client secret: the engine never returns it, only whether it holds
// one. The prior value of client_secret and client_secret_wo_version (the
// plan's, or the old state's) is kept, except on a read (refresh) finding
// that the engine holds no secret: both turn null, so that the next plan
// proposes to send the secret again. client_secret_wo is never in the
// state.
func graphSourceObject(g engine.GraphSource, prior graphSourceModel, read bool) (types.Object, diag.Diagnostics) {
	secret, version := types.StringNull(), types.Int64Null()
	if !prior.ClientSecret.IsUnknown() {
		secret = prior.ClientSecret
	}
	if !prior.ClientSecretWOVersion.IsUnknown() {
		version = prior.ClientSecretWOVersion
	}
	if read && !g.ClientSecretSet {
		secret, version = types.StringNull(), types.Int64Null()
	}
	authority, graphURL, pageSize := g.AuthorityURL, g.GraphURL, int64(g.PageSize)
	if authority == "" {
		authority = engine.DefaultGraphAuthorityURL
	}
	if graphURL == "" {
		graphURL = engine.DefaultGraphURL
	}
	if pageSize == 0 {
		pageSize = engine.MaxGraphPageSize
	}
	return types.ObjectValue(graphSourceAttrTypes, map[string]attr.Value{
		"tenant_id":                types.StringValue(g.TenantID),
		"client_id":                types.StringValue(g.ClientID),
		"client_secret":            secret,
		"client_secret_wo":         types.StringNull(),
		"client_secret_wo_version": version,
		"authority_url":            types.StringValue(authority),
		"graph_url":                types.StringValue(graphURL),
		"page_size":                types.Int64Value(pageSize),
		"writeback":                types.BoolValue(g.Writeback),
	})
}

func pathsValue(ctx context.Context, stored []string, prior types.List, diags *diag.Diagnostics) types.List {
	var priorPaths []string
	if !prior.IsNull() && !prior.IsUnknown() {
		diags.Append(prior.ElementsAs(ctx, &priorPaths, false)...)
	}
	if len(stored) == 0 && prior.IsNull() {
		return types.ListNull(filePathType{})
	}
	out := make([]attr.Value, len(stored))
	for i, s := range stored {
		text := s
		if i < len(priorPaths) {
			if abs, err := filepath.Abs(priorPaths[i]); err == nil && abs == s {
				text = priorPaths[i]
			}
		}
		out[i] = filePathOf(text)
	}
	l, d := types.ListValue(filePathType{}, out)
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
