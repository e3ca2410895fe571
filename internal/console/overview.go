package console

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

// chartDays are the ranges the overview offers.
var chartDays = []int{7, 30, 90}

type overviewView struct {
	*view
	engine.Overview
	Chart     chart
	DaysShown int
	DayRange  []int
	// PolicyNames are the selector's options besides "all policies".
	PolicyNames []string
	// OpenLink and ResolvedLink list the counted alerts.
	OpenLink, ResolvedLink string
}

func (c *Console) overview(w http.ResponseWriter, r *http.Request, v *view) {
	q := r.URL.Query()
	days, _ := strconv.Atoi(q.Get("days"))
	if !slices.Contains(chartDays, days) {
		days = 30
	}
	policy := q.Get("policy")
	ov, err := c.engine.Overview(r.Context(), engine.OverviewQuery{Policy: policy, Days: days, TopUsers: 10})
	if err != nil {
		c.failed(w, r, v, err)
		return
	}
	v.Title = "Overview"
	data := overviewView{view: v, Overview: ov, Chart: newChart(ov.Days), DaysShown: days, DayRange: chartDays}
	for _, p := range ov.Policies {
		data.PolicyNames = append(data.PolicyNames, p.Policy)
	}
	if policy != "" && !slices.Contains(data.PolicyNames, policy) {
		data.PolicyNames = append(data.PolicyNames, policy)
	}
	link := func(status engine.AlertStatus) string {
		f := alertFilter{Policy: policy, Status: string(status)}
		return "/alerts?" + f.values().Encode()
	}
	data.OpenLink, data.ResolvedLink = link(engine.AlertOpen), link(engine.AlertResolved)
	c.render(w, r, http.StatusOK, "overview", data)
}

// alertsLink lists alerts under the given filters.
func alertsLink(pairs ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			v.Set(pairs[i], pairs[i+1])
		}
	}
	return "/alerts?" + v.Encode()
}
