package console

import (
	"net/http"
	"net/url"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

const (
	usersPerPage     = 50
	userAlertsShown  = 25
	userEntriesShown = 25
)

type usersView struct {
	*view
	Users []engine.User
	Pager pager
}

func (c *Console) users(w http.ResponseWriter, r *http.Request, v *view) {
	n := pageNumber(r.URL.Query().Get("page"))
	page, err := c.engine.UserPage(r.Context(), (n-1)*usersPerPage, usersPerPage)
	if err != nil {
		c.failed(w, r, v, err)
		return
	}
	v.Title = "Users at risk"
	data := usersView{view: v, Users: page.Users}
	data.Pager = newPager(n, usersPerPage, page.Total, "users", func(p int) string { return pageLink("/users", nil, "page", p) })
	c.render(w, r, http.StatusOK, "users", data)
}

type userView struct {
	*view
	User         engine.UserDetail
	Alerts       []engine.Alert
	AlertPager   pager
	AlertsLink   string
	Entries      []engine.Remediation
	EntriesPager pager
}

func (c *Console) user(w http.ResponseWriter, r *http.Request, v *view) {
	id := r.PathValue("id")
	q := r.URL.Query()
	d, err := c.engine.UserDetail(r.Context(), id)
	if err != nil {
		c.failed(w, r, v, err)
		return
	}
	data := userView{view: v, User: d}
	keep := url.Values{}
	for _, k := range []string{"page", "log"} {
		if s := q.Get(k); s != "" {
			keep.Set(k, s)
		}
	}
	base := "/users/" + url.PathEscape(id)
	alertPage, logPage := pageNumber(q.Get("page")), pageNumber(q.Get("log"))
	if d.UserPrincipalName != "" {
		alerts, err := c.engine.Alerts(r.Context(), engine.AlertQuery{UserPrincipalName: d.UserPrincipalName,
			Limit: userAlertsShown, Offset: (alertPage - 1) * userAlertsShown})
		if err != nil {
			c.failed(w, r, v, err)
			return
		}
		data.Alerts = alerts.Alerts
		data.AlertPager = newPager(alertPage, userAlertsShown, alerts.Total, "alerts", func(p int) string { return pageLink(base, keep, "page", p) })
		data.AlertsLink = alertsLink("user", d.UserPrincipalName)
	}
	log, err := c.engine.RemediationLog(r.Context(), engine.AuditLogQuery{UserID: id, Limit: userEntriesShown,
		Offset: (logPage - 1) * userEntriesShown})
	if err != nil {
		c.failed(w, r, v, err)
		return
	}
	data.Entries = log.Entries
	data.EntriesPager = newPager(logPage, userEntriesShown, log.Total, "entries", func(p int) string { return pageLink(base, keep, "log", p) })
	v.Title = d.UserPrincipalName
	if v.Title == "" {
		v.Title = "User " + id
	}
	c.render(w, r, http.StatusOK, "user", data)
}
