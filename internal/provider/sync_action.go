package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

const syncActionName = "idp_sync"

// syncAction is idp_sync: the one place Terraform makes the engine
// process its source. Reads (plan, refresh, the idp_alerts data source)
// never do, so that a plan changes nothing; an action runs only when
// invoked (terraform apply -invoke=action.idp_sync.NAME) or triggered by
// an action_trigger after a resource changes.
type syncAction struct {
	client *engineConn
}

var _ action.ActionWithConfigure = (*syncAction)(nil)

func newSyncAction() action.Action { return &syncAction{} }

func (a *syncAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_sync"
}

func (a *syncAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "Processes the integration's source once, from where the last sync stopped: ingests the new " +
			"detections and devices, raises and updates alerts under the policies in force, remediates risky " +
			"users and, with a Graph source and `writeback`, reports them to Identity Protection. It reports what " +
			"it did (records read, alerts created and updated, users remediated) as progress. Run it with " +
			"`terraform apply -invoke=action.idp_sync.NAME`, or from an `action_trigger` in the `lifecycle` of " +
			"`idp_integration` and `idp_policy` so that settings changes apply before the detections they should " +
			"govern. Needs Terraform 1.14 or later; on older versions and on OpenTofu, run " +
			"`terraform-provider-idp engine sync` or `engine serve` instead. A disabled integration or one " +
			"without a source processes nothing, and says so in a warning.",
		Attributes: map[string]schema.Attribute{},
	}
}

func (a *syncAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	a.client = configuredClient(req.ProviderData, &resp.Diagnostics)
}

func (a *syncAction) Invoke(ctx context.Context, _ action.InvokeRequest, resp *action.InvokeResponse) {
	if a.client == nil {
		resp.Diagnostics.Append(unconfiguredProvider(syncActionName))
		return
	}
	in, err := a.client.Integration(ctx)
	if err != nil {
		resp.Diagnostics.Append(syncError(err))
		return
	}
	if in.Source == nil {
		resp.Diagnostics.Append(nothingToSync("the integration has no source (idp_integration.source)"))
		return
	}
	resp.SendProgress(action.InvokeProgressEvent{Message: "processing the integration's " + sourceKind(in.Source) + " source"})
	sum, err := a.client.Sync(ctx)
	switch {
	case errors.Is(err, engine.ErrDisabled):
		resp.Diagnostics.Append(nothingToSync("the integration is disabled (idp_integration.enabled = false)"))
		return
	case err != nil:
		// What the sync committed before it failed stays; say that too.
		if sum.Ingest.Read > 0 {
			resp.SendProgress(action.InvokeProgressEvent{Message: "before it failed: " + syncSummaryText(sum)})
		}
		resp.Diagnostics.Append(syncError(err))
		return
	}
	resp.SendProgress(action.InvokeProgressEvent{Message: syncSummaryText(sum)})
}

func sourceKind(src *engine.Source) string {
	if src.Graph != nil {
		return "Microsoft Graph"
	}
	return "file"
}

// syncSummaryText is one line of what a sync did, in the words of the
// engine's summary fields.
func syncSummaryText(s engine.SyncSummary) string {
	in := s.Ingest
	text := fmt.Sprintf("read %d records (%d accepted, %d updated, %d duplicates, %d quarantined); "+
		"alerts: %d created, %d updated; users remediated: %d",
		in.Read, in.Accepted, in.Updated, in.Duplicates, in.Quarantined, in.AlertsCreated, in.AlertsUpdated, in.UsersRemediated)
	if wb := s.Writeback; wb != nil {
		text += fmt.Sprintf("; written back to Microsoft Graph: %d confirmed, %d failed, %d deferred", wb.Confirmed, wb.Failed, wb.Deferred)
	}
	return text
}
