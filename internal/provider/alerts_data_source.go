package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

const alertsDataSourceName = "idp_alerts"

// defaultAlertLimit caps the alerts returned when limit is not set.
const defaultAlertLimit = 100

type alertsDataSource struct {
	client *engineConn
}

var _ datasource.DataSourceWithConfigure = (*alertsDataSource)(nil)

func newAlertsDataSource() datasource.DataSource { return &alertsDataSource{} }

type alertsModel struct {
	Policy            types.String `tfsdk:"policy"`
	MinSeverity       types.String `tfsdk:"min_severity"`
	Status            types.String `tfsdk:"status"`
	UserPrincipalName types.String `tfsdk:"user_principal_name"`
	Since             types.String `tfsdk:"since"`
	Until             types.String `tfsdk:"until"`
	Limit             types.Int64  `tfsdk:"limit"`
	Offset            types.Int64  `tfsdk:"offset"`
	Total             types.Int64  `tfsdk:"total"`
	Alerts            []alertModel `tfsdk:"alerts"`
	LastSyncedAt      types.String `tfsdk:"last_synced_at"`
	LastSyncError     types.String `tfsdk:"last_sync_error"`
}

type alertModel struct {
	ID                types.String   `tfsdk:"id"`
	Policy            types.String   `tfsdk:"policy"`
	Severity          types.String   `tfsdk:"severity"`
	Status            types.String   `tfsdk:"status"`
	UserID            types.String   `tfsdk:"user_id"`
	UserPrincipalName types.String   `tfsdk:"user_principal_name"`
	UserDisplayName   types.String   `tfsdk:"user_display_name"`
	DetectionCount    types.Int64    `tfsdk:"detection_count"`
	RiskEventTypes    []types.String `tfsdk:"risk_event_types"`
	FirstSeen         types.String   `tfsdk:"first_seen"`
	LastSeen          types.String   `tfsdk:"last_seen"`
	CreatedAt         types.String   `tfsdk:"created_at"`
	UpdatedAt         types.String   `tfsdk:"updated_at"`
}

func (d *alertsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_alerts"
}

func (d *alertsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, Description: desc}
	}
	timeNote := " RFC 3339 in UTC, sub-second precision kept."
	resp.Schema = schema.Schema{
		Description: "The engine's alerts, newest first (by `last_seen`, then `id`), filtered. Unset filters do not " +
			"filter. A read only reads: it returns what the engine has already processed, at once, and never " +
			"ingests, raises alerts, remediates users or calls Microsoft Graph, so `terraform plan` changes " +
			"nothing. The integration's source is processed by the `idp_sync` action (Terraform 1.14 and later), " +
			"by `terraform-provider-idp engine sync` (cron, CI) or by `engine serve`, which polls it; " +
			"`last_synced_at` says how fresh the answer is.",
		Attributes: map[string]schema.Attribute{
			"policy": schema.StringAttribute{
				Optional: true,
				Description: "Only alerts of this policy: the type of a built-in policy (" + enumText(engine.BuiltinPolicyTypes()) +
					") or the name of a custom policy. Unset: every policy.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"min_severity": schema.StringAttribute{
				Optional:    true,
				Description: "Only alerts of at least this severity, one of " + enumText(engine.Severities) + ". Unset: every severity.",
				Validators:  []validator.String{stringvalidator.OneOf(engine.SeverityNames()...)},
			},
			"status": schema.StringAttribute{
				Optional: true,
				Description: "Only alerts in this status, one of " + enumText(engine.AlertStatuses) + ". An alert is " +
					"`open` while any of its detections has a risk state other than `dismissed`, `remediated` or " +
					"`confirmedSafe`. Unset: every status.",
				Validators: []validator.String{stringvalidator.OneOf(enumStrings(engine.AlertStatuses)...)},
			},
			"user_principal_name": schema.StringAttribute{
				Optional: true,
				Description: "Only alerts of this user, by user principal name (for example `alice@contoso.com`), " +
					"ignoring case in every script (`Åsa@contoso.com` is `åsa@contoso.com`). Unset: every user.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"since": schema.StringAttribute{
				Optional: true,
				Description: "Only alerts last seen at or after this RFC 3339 time (for example `2025-06-01T00:00:00Z`), within " +
					engine.TimeRangeText + ". Unset: no lower bound.",
				Validators: []validator.String{rfc3339{}},
			},
			"until": schema.StringAttribute{
				Optional:    true,
				Description: "Only alerts first seen before this RFC 3339 time, within " + engine.TimeRangeText + ". Unset: no upper bound.",
				Validators:  []validator.String{rfc3339{}},
			},
			"limit": schema.Int64Attribute{
				Optional: true,
				Description: fmt.Sprintf("The most alerts to return; `0` returns all of them. `total` counts every "+
					"match whatever the limit. Defaults to `%d`.", defaultAlertLimit),
				Validators: []validator.Int64{int64validator.AtLeast(0)},
			},
			"last_synced_at": schema.StringAttribute{
				Computed: true,
				Description: "When the engine last finished processing the integration's source (a sync, whether " +
					"it succeeded or not), RFC 3339 in UTC; null when it never did. Alerts of detections the " +
					"source received after this time are not in the answer yet.",
			},
			"last_sync_error": schema.StringAttribute{
				Computed: true,
				Description: "Why that last sync failed; null when it succeeded or none ran. What a failed sync " +
					"processed before it stopped is kept, and the next sync goes on from there.",
			},
			"offset": schema.Int64Attribute{
				Optional: true,
				Description: "How many matching alerts to skip before the first one returned, for reading them a " +
					"page at a time: `offset = 100` with `limit = 100` is the second page. Defaults to `0`.",
				Validators: []validator.Int64{int64validator.AtLeast(0)},
			},
			"total": schema.Int64Attribute{
				Computed:    true,
				Description: "The number of alerts that match the filters, before `offset` and `limit` apply.",
			},
			"alerts": schema.ListNestedAttribute{
				Computed:    true,
				Description: "The matching alerts, newest first, at most `limit` of them, after skipping `offset`.",
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"id": computed("The alert's ID, derived from its policy and its key (the detection, or " +
							"the user and window), so every engine computes the same one."),
						"policy": computed("The policy that raised it: the type of a built-in policy, the name of a " +
							"custom one."),
						"severity": computed("The highest severity among its detections, one of " +
							enumText(engine.Severities) + "."),
						"status":              computed("The alert's status, one of " + enumText(engine.AlertStatuses) + "."),
						"user_id":             computed("The user's Entra ID object ID."),
						"user_principal_name": computed("The user's principal name, from the newest detection."),
						"user_display_name":   computed("The user's display name, from the newest detection."),
						"detection_count": schema.Int64Attribute{
							Computed:    true,
							Description: "How many detections the alert gathers.",
						},
						"risk_event_types": schema.ListAttribute{
							Computed:    true,
							ElementType: types.StringType,
							Description: "The distinct risk event types of its detections, sorted.",
						},
						"first_seen": computed("The earliest activity time of its detections." + timeNote),
						"last_seen":  computed("The latest activity time of its detections." + timeNote),
						"created_at": computed("When the engine raised the alert." + timeNote),
						"updated_at": computed("When the engine last changed the alert; retention counts from " +
							"here." + timeNote),
					},
				},
			},
		},
	}
}

func (d *alertsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = configuredClient(req.ProviderData, &resp.Diagnostics)
}

func (d *alertsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	if d.client == nil {
		resp.Diagnostics.Append(unconfiguredProvider(alertsDataSourceName))
		return
	}
	var m alertsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	q := engine.AlertQuery{
		Policy:            m.Policy.ValueString(),
		MinSeverity:       engine.Severity(m.MinSeverity.ValueString()),
		Status:            engine.AlertStatus(m.Status.ValueString()),
		UserPrincipalName: m.UserPrincipalName.ValueString(),
		Limit:             defaultAlertLimit,
	}
	if !m.Limit.IsNull() {
		q.Limit = int(m.Limit.ValueInt64())
	}
	if !m.Offset.IsNull() {
		q.Offset = int(m.Offset.ValueInt64())
	}
	// The validators have checked both times already.
	if !m.Since.IsNull() {
		q.Since, _ = time.Parse(time.RFC3339Nano, m.Since.ValueString())
	}
	if !m.Until.IsNull() {
		q.Until, _ = time.Parse(time.RFC3339Nano, m.Until.ValueString())
	}
	page, err := d.client.Alerts(ctx, q)
	if err != nil {
		resp.Diagnostics.Append(alertsReadError(err))
		return
	}
	status, err := d.client.Status(ctx)
	if err != nil {
		resp.Diagnostics.Append(alertsReadError(err))
		return
	}
	m.LastSyncedAt, m.LastSyncError = types.StringNull(), types.StringNull()
	if run := status.LastSync; run != nil {
		m.LastSyncedAt = types.StringValue(timeText(run.FinishedAt))
		if !run.OK() {
			m.LastSyncError = types.StringValue(run.Error)
		}
	}
	m.Total = types.Int64Value(int64(page.Total))
	m.Alerts = make([]alertModel, 0, len(page.Alerts))
	for _, a := range page.Alerts {
		m.Alerts = append(m.Alerts, alertFromEngine(a))
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func alertFromEngine(a engine.Alert) alertModel {
	riskTypes := make([]types.String, len(a.RiskEventTypes))
	for i, t := range a.RiskEventTypes {
		riskTypes[i] = types.StringValue(t)
	}
	return alertModel{
		ID:                types.StringValue(a.ID),
		Policy:            types.StringValue(a.Policy),
		Severity:          types.StringValue(string(a.Severity)),
		Status:            types.StringValue(string(a.Status)),
		UserID:            types.StringValue(a.UserID),
		UserPrincipalName: types.StringValue(a.UserPrincipalName),
		UserDisplayName:   types.StringValue(a.UserDisplayName),
		DetectionCount:    types.Int64Value(int64(a.DetectionCount)),
		RiskEventTypes:    riskTypes,
		FirstSeen:         types.StringValue(timeText(a.FirstSeen)),
		LastSeen:          types.StringValue(timeText(a.LastSeen)),
		CreatedAt:         types.StringValue(timeText(a.CreatedAt)),
		UpdatedAt:         types.StringValue(timeText(a.UpdatedAt)),
	}
}

// timeText writes an alert time in RFC 3339, UTC, sub-second precision
// kept, so that times compare as text and match the engine's JSON.
func timeText(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
