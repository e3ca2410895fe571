package console

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph"
	"github.com/idp/terraform-provider-idp/internal/engine/policy"
)

// The settings page shows what is in force next to the default, read-only:
// configuration belongs to Terraform. A secret is only ever "set" or not.

type settingRow struct {
	Name, Value, Default string
}

// Changed reports a value that differs from its default.
func (s settingRow) Changed() bool { return s.Default != "" && s.Value != s.Default }

type policyCard struct {
	ID, Type  string
	Builtin   bool
	Settings  []settingRow
	Condition string
}

type settingsView struct {
	*view
	Policies    []policyCard
	Integration []settingRow
	Source      []settingRow
	SourceKind  string
}

func (c *Console) policies(w http.ResponseWriter, r *http.Request, v *view) {
	ps, err := c.engine.Policies(r.Context())
	if err != nil {
		c.failed(w, r, v, err)
		return
	}
	in, err := c.engine.Integration(r.Context())
	if err != nil {
		c.failed(w, r, v, err)
		return
	}
	v.Title = "Policies and integration"
	data := settingsView{view: v}
	for _, p := range ps {
		data.Policies = append(data.Policies, policyCardOf(p))
	}
	data.Integration, data.SourceKind, data.Source = integrationRows(in)
	c.render(w, r, http.StatusOK, "policies", data)
}

func policyCardOf(p engine.Policy) policyCard {
	card := policyCard{ID: p.ID(), Type: p.Type, Condition: p.Condition}
	var def engine.Policy
	if plugin, err := policy.Lookup(p.Type); err == nil {
		def, card.Builtin = plugin.Default(), plugin.Builtin()
	}
	window := func(p engine.Policy) string {
		if p.AggregationWindow == 0 {
			return "—"
		}
		return durationText(time.Duration(p.AggregationWindow))
	}
	card.Settings = []settingRow{
		{"enabled", yesNo(p.Enabled), yesNo(def.Enabled)},
		{"severity threshold", string(p.Severity), string(def.Severity)},
		{"alerts", groupLabel(p.GroupBy), groupLabel(def.GroupBy)},
		{"aggregation window", window(p), window(def)},
		{"remediate risky users", yesNo(p.RemediateRiskyUsers), yesNo(def.RemediateRiskyUsers)},
	}
	if p.GroupBy != engine.GroupByUser && def.GroupBy != engine.GroupByUser {
		card.Settings = append(card.Settings[:3], card.Settings[4:]...)
	}
	return card
}

// durationText drops the zero units Go prints: 12h rather than 12h0m0s.
func durationText(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func groupLabel(g string) string {
	switch g {
	case engine.GroupByUser:
		return "per user and window"
	case engine.GroupByDetection:
		return "per detection"
	}
	return "—"
}

func integrationRows(in engine.Integration) (rows []settingRow, kind string, source []settingRow) {
	def := engine.DefaultIntegration()
	rows = []settingRow{
		{"enabled", yesNo(in.Enabled), yesNo(def.Enabled)},
		{"retention", fmt.Sprintf("%d days", in.RetentionDays), fmt.Sprintf("%d days", def.RetentionDays)},
		{"action: reset password", yesNo(in.Actions.ResetPassword), yesNo(def.Actions.ResetPassword)},
		{"action: require MFA", yesNo(in.Actions.RequireMFA), yesNo(def.Actions.RequireMFA)},
		{"action: require a managed device", yesNo(in.Actions.RequireManagedDevice), yesNo(def.Actions.RequireManagedDevice)},
	}
	switch {
	case in.Source == nil:
		return rows, "none", nil
	case in.Source.File != nil:
		f := in.Source.File
		return rows, "files", []settingRow{{Name: "detections", Value: list(f.Detections)}, {Name: "devices", Value: list(f.Devices)}}
	case in.Source.Graph != nil:
		g := in.Source.Graph
		secret := "not stored (the server's IDP_GRAPH_CLIENT_SECRET may supply it)"
		if g.ClientSecretSet || g.ClientSecret != "" {
			secret = "set"
		}
		pageSize := g.PageSize
		if pageSize <= 0 {
			pageSize = graph.MaxPageSize
		}
		return rows, "Microsoft Graph", []settingRow{
			{Name: "tenant id", Value: g.TenantID},
			{Name: "client id", Value: g.ClientID},
			{Name: "client secret", Value: secret},
			{Name: "authority URL", Value: orDefault(g.AuthorityURL, graph.DefaultAuthorityURL), Default: graph.DefaultAuthorityURL},
			{Name: "Graph URL", Value: orDefault(g.GraphURL, graph.DefaultGraphURL), Default: graph.DefaultGraphURL},
			{Name: "page size", Value: strconv.Itoa(pageSize), Default: strconv.Itoa(graph.MaxPageSize)},
			{Name: "write back remediations", Value: yesNo(g.Writeback), Default: "no"},
		}
	}
	return rows, "none", nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func list(ss []string) string {
	if len(ss) == 0 {
		return "—"
	}
	out := ss[0]
	for _, s := range ss[1:] {
		out += ", " + s
	}
	return out
}
