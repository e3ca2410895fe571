package console

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

// A page's state lives in its query string, so that every view can be
// bookmarked and shared. Parsing is forgiving: a value that does not parse
// is dropped and the form says so, rather than failing the page.

// alertFilter is the alerts page's form: the filters of idp_alerts.
type alertFilter struct {
	Policy      string
	MinSeverity string
	Status      string
	User        string
	// Since and Until are days (YYYY-MM-DD): alerts last seen on or after
	// Since, first seen on or before Until.
	Since, Until string
	Page         int
	Problems     []string
}

func parseAlertFilter(q url.Values) alertFilter {
	f := alertFilter{Policy: strings.TrimSpace(q.Get("policy")), User: strings.TrimSpace(q.Get("user")), Page: pageNumber(q.Get("page"))}
	if s := q.Get("min_severity"); s != "" {
		if _, err := engine.ParseSeverity(s); err == nil {
			f.MinSeverity = s
		} else {
			f.Problems = append(f.Problems, fmt.Sprintf("minimum severity %q is not low, medium or high: ignored", s))
		}
	}
	if s := q.Get("status"); s != "" {
		if s == string(engine.AlertOpen) || s == string(engine.AlertResolved) {
			f.Status = s
		} else {
			f.Problems = append(f.Problems, fmt.Sprintf("status %q is not open or resolved: ignored", s))
		}
	}
	for _, d := range []struct {
		name string
		into *string
	}{{"since", &f.Since}, {"until", &f.Until}} {
		if s := q.Get(d.name); s != "" {
			if _, err := parseDay(s); err == nil {
				*d.into = s
			} else {
				f.Problems = append(f.Problems, fmt.Sprintf("%s %q is not a date (YYYY-MM-DD): ignored", d.name, s))
			}
		}
	}
	return f
}

// parseDay reads a date in the years the stores can hold.
func parseDay(s string) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err == nil && (t.Year() < 1700 || t.Year() > 2200) {
		err = fmt.Errorf("year %d out of range", t.Year())
	}
	return t, err
}

// query is the engine query of the filter's page.
func (f alertFilter) query(perPage int) engine.AlertQuery {
	q := engine.AlertQuery{Policy: f.Policy, MinSeverity: engine.Severity(f.MinSeverity), Status: engine.AlertStatus(f.Status),
		UserPrincipalName: f.User, Limit: perPage, Offset: (f.Page - 1) * perPage}
	if t, err := parseDay(f.Since); err == nil {
		q.Since = t
	}
	if t, err := parseDay(f.Until); err == nil {
		// Until names a whole day: alerts first seen before its end.
		q.Until = t.Add(24 * time.Hour)
	}
	return q
}

// values is the filter as a query string, page excluded.
func (f alertFilter) values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"policy": f.Policy, "min_severity": f.MinSeverity, "status": f.Status,
		"user": f.User, "since": f.Since, "until": f.Until} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// Active reports whether any filter is set.
func (f alertFilter) Active() bool { return len(f.values()) > 0 }

func pageNumber(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 1
	}
	// Far enough for any store; bounds the offset a link can ask for.
	return min(n, 1_000_000)
}

// pager is the previous and next links of a paged list.
type pager struct {
	Page, Pages, Total int
	First, Last        int
	Prev, Next         string
	Label              string
}

// newPager pages total items, perPage a page; link builds a page's URL.
func newPager(page, perPage, total int, label string, link func(page int) string) pager {
	p := pager{Page: page, Total: total, Label: label, Pages: max(1, (total+perPage-1)/perPage)}
	if total > 0 {
		p.First = (page-1)*perPage + 1
		p.Last = min(page*perPage, total)
	}
	if page > 1 {
		p.Prev = link(min(page-1, p.Pages))
	}
	if page < p.Pages {
		p.Next = link(page + 1)
	}
	return p
}

// pageLink is base with v and a page number as its query.
func pageLink(base string, v url.Values, param string, page int) string {
	v2 := url.Values{}
	for k, vs := range v {
		v2[k] = vs
	}
	if page > 1 {
		v2.Set(param, strconv.Itoa(page))
	} else {
		v2.Del(param)
	}
	if len(v2) == 0 {
		return base
	}
	return base + "?" + v2.Encode()
}
