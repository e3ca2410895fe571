package console

import (
	"net/http"
	"slices"
	"sort"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

const (
	alertsPerPage = 50
	// detectionsShown bounds an alert's page: a window alert of a very
	// busy user may have thousands of members.
	detectionsShown = 500
)

type alertsView struct {
	*view
	Filter      alertFilter
	PolicyNames []string
	Severities  []engine.Severity
	Alerts      []engine.Alert
	Pager       pager
}

func (c *Console) alerts(w http.ResponseWriter, r *http.Request, v *view) {
	f := parseAlertFilter(r.URL.Query())
	page, err := c.engine.Alerts(r.Context(), f.query(alertsPerPage))
	if err != nil {
		c.failed(w, r, v, err)
		return
	}
	policies, err := c.engine.Policies(r.Context())
	if err != nil {
		c.failed(w, r, v, err)
		return
	}
	v.Title = "Alerts"
	data := alertsView{view: v, Filter: f, Severities: engine.Severities, Alerts: page.Alerts}
	for _, p := range policies {
		data.PolicyNames = append(data.PolicyNames, p.ID())
	}
	// A policy deleted since keeps its alerts: it stays selectable when
	// a link names it.
	if f.Policy != "" && !slices.Contains(data.PolicyNames, f.Policy) {
		data.PolicyNames = append(data.PolicyNames, f.Policy)
	}
	sort.Strings(data.PolicyNames)
	data.Pager = newPager(f.Page, alertsPerPage, page.Total, "alerts", func(n int) string {
		return pageLink("/alerts", f.values(), "page", n)
	})
	c.render(w, r, http.StatusOK, "alerts", data)
}

type alertView struct {
	*view
	Alert        engine.Alert
	Detections   []engine.Detection
	Truncated    int
	Remediations []engine.Remediation
	// PerDetection says the alert stands for one detection (its policy
	// alerts on each), so an empty list means it predates kept members.
	PerDetection bool
}

func (c *Console) alert(w http.ResponseWriter, r *http.Request, v *view) {
	id := r.PathValue("id")
	a, err := c.engine.Alert(r.Context(), id)
	if err != nil {
		c.failed(w, r, v, err)
		return
	}
	ds, err := c.engine.AlertDetections(r.Context(), id)
	if err != nil {
		c.failed(w, r, v, err)
		return
	}
	log, err := c.engine.RemediationLog(r.Context(), engine.AuditLogQuery{AlertID: id, Limit: 50})
	if err != nil {
		c.failed(w, r, v, err)
		return
	}
	v.Title = "Alert " + a.ID
	data := alertView{view: v, Alert: a, Remediations: log.Entries, PerDetection: !a.Group.PerWindow()}
	if len(ds) > detectionsShown {
		data.Truncated = len(ds) - detectionsShown
		ds = ds[:detectionsShown]
	}
	data.Detections = ds
	c.render(w, r, http.StatusOK, "alert", data)
}
