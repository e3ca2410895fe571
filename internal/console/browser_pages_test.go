package console_test

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

func TestBrowserSignIn(t *testing.T) {
	s := newStand(t)
	b := newBrowser(t)

	// A page asked for before signing in leads to the form, and back.
	b.navigate(s.URL + "/alerts?status=open")
	if loc := b.location(); !strings.HasPrefix(loc, s.URL+"/signin?next=") {
		t.Fatalf("an unauthenticated page went to %s, want the sign-in form", loc)
	}
	b.loaded(chromedp.SendKeys(chromedp.ID("token"), "wrong-token-0123456789abcdef0123456789\n"))
	if got := b.text("#signin-error"); got != "That token is not valid." {
		t.Fatalf("a wrong token: the form says %q", got)
	}
	if loc := b.location(); !strings.HasPrefix(loc, s.URL+"/signin") {
		t.Fatalf("a wrong token got past the form to %s", loc)
	}
	b.loaded(chromedp.SendKeys(chromedp.ID("token"), readToken+"\n"))
	if loc := b.location(); loc != s.URL+"/alerts?status=open" {
		t.Fatalf("after signing in the browser is at %s, want back at the page asked for", loc)
	}
	if h := b.text("h1"); h != "Alerts" {
		t.Fatalf("after signing in the page is %q", h)
	}
	if got := b.text(".signout .scope"); got != "Signed in: read token" {
		t.Fatalf("the header says %q", got)
	}
	// The session cookie is out of reach of scripts (HttpOnly).
	if cookies := run(b, chromedp.Evaluate[string](`document.cookie`)); strings.Contains(cookies, "idp_session") {
		t.Fatalf("a script can read the session cookie: %q", cookies)
	}
	b.submit(".signout button")
	if loc := b.location(); loc != s.URL+"/signin" {
		t.Fatalf("after signing out the browser is at %s", loc)
	}
	b.navigate(s.URL + "/")
	if loc := b.location(); !strings.HasPrefix(loc, s.URL+"/signin") {
		t.Fatalf("after signing out the overview still opened (%s)", loc)
	}
}

// The overview's numbers are the API's, read from the same store.
func TestBrowserOverviewCountsMatchAPI(t *testing.T) {
	s := newStand(t)
	b := newBrowser(t)
	b.signIn(s.URL, readToken)

	var status engine.Status
	s.api(t, "/v1/status", &status)
	var quarantined engine.QuarantinePage
	s.api(t, "/v1/quarantine", &quarantined)
	quarantine := quarantined.Entries
	var all engine.AlertPage
	s.api(t, "/v1/alerts?limit=0", &all)
	policies := map[string]bool{}
	for _, a := range all.Alerts {
		policies[a.Policy] = true
	}
	if len(policies) != 3 || status.LastSync == nil {
		t.Fatalf("the stand has alerts of %d policies and last sync %v; the test wants all three and a sync", len(policies), status.LastSync)
	}

	b.navigate(s.URL + "/")
	number := func(css string) int {
		t.Helper()
		n, err := strconv.Atoi(b.text(css))
		if err != nil {
			t.Fatalf("%s: %v", css, err)
		}
		return n
	}
	check := func(policy string) {
		t.Helper()
		q := "policy=" + url.QueryEscape(policy) + "&"
		if open, want := number("#open-count"), s.alertTotal(t, q+"status=open"); open != want {
			t.Errorf("policy %q: the overview shows %d open alerts, the API %d", policy, open, want)
		}
		if resolved, want := number("#resolved-count"), s.alertTotal(t, q+"status=resolved"); resolved != want {
			t.Errorf("policy %q: the overview shows %d resolved alerts, the API %d", policy, resolved, want)
		}
		if n := number("#quarantine-count"); n != quarantined.Total || n != len(quarantine) {
			t.Errorf("the overview shows %d records in quarantine, the API %d", n, len(quarantine))
		}
		// The chart's table holds every alert of the policy: the sample
		// spans three weeks, inside the 30 days shown.
		sum := run(b, chromedp.Evaluate[int](`[...document.querySelectorAll("details table tbody tr td:last-child")].reduce((n, td) => n + Number(td.textContent), 0)`))
		if want := s.alertTotal(t, q); sum != want {
			t.Errorf("policy %q: the chart counts %d alerts, the API %d", policy, sum, want)
		}
	}
	check("")
	sync := b.text("#last-sync time")
	if want := status.LastSync.FinishedAt.UTC().Format("2006-01-02 15:04:05 UTC"); sync != want || !strings.Contains(b.text("#last-sync"), "succeeded") {
		t.Errorf("last sync shows %q (%s), the API says %s, succeeded", sync, b.text("#last-sync"), want)
	}

	// The users most at risk: the API's alerts say who has the most open
	// high-severity alerts.
	openHigh := map[string]int{}
	for _, a := range all.Alerts {
		if a.Status == engine.AlertOpen && a.Severity == engine.SeverityHigh {
			openHigh[a.UserPrincipalName]++
		}
	}
	top := 0
	for _, n := range openHigh {
		top = max(top, n)
	}
	first := b.text("#top-users tbody tr:first-child th a")
	if openHigh[first] != top || top == 0 {
		t.Errorf("the top user is %s with %d open high alerts; the most anyone has is %d", first, openHigh[first], top)
	}

	// By keyboard alone: the arrow key moves the days selector from 30 to
	// 90, Tab reaches the Apply button, Enter applies.
	b.do(chromedp.Focus(chromedp.ID("days")), chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent("\t"))
	if focused := run(b, chromedp.Evaluate[string](`document.activeElement.textContent.trim()`)); focused != "Apply" {
		t.Fatalf("Tab from the days selector reached %q, want the Apply button", focused)
	}
	b.loaded(chromedp.KeyEvent(kb.Enter))
	if got := mustURL(t, b.location()).Query().Get("days"); got != "90" {
		t.Fatalf("the keyboard led to days=%q, want 90", got)
	}
	check("")

	// The policy selector: every policy in turn.
	names := slices.Sorted(func(yield func(string) bool) {
		for p := range policies {
			if !yield(p) {
				return
			}
		}
	})
	for _, p := range names {
		b.do(chromedp.SetValue(chromedp.ID("policy"), p))
		b.submit(`form.filters button[type="submit"]`)
		if got := mustURL(t, b.location()).Query().Get("policy"); got != p {
			t.Fatalf("the selector led to policy %q, want %q", got, p)
		}
		check(p)
	}
}

// Filter the alerts, open one, follow it to its user.
func TestBrowserFilterAndFollowAlertToUser(t *testing.T) {
	s := newStand(t)
	b := newBrowser(t)
	b.signIn(s.URL, readToken)
	b.navigate(s.URL + "/alerts")

	b.do(
		chromedp.SetValue(chromedp.ID("f-policy"), engine.PolicyRiskySignIn),
		chromedp.SetValue(chromedp.ID("f-severity"), "high"),
		chromedp.SetValue(chromedp.ID("f-status"), "open"),
		chromedp.SetValue(chromedp.ID("f-since"), "2025-05-20"),
	)
	b.submit(`form.filters button[type="submit"]`)
	shared := b.location()
	q := mustURL(t, shared).Query()
	if q.Get("policy") != engine.PolicyRiskySignIn || q.Get("min_severity") != "high" || q.Get("status") != "open" || q.Get("since") != "2025-05-20" {
		t.Fatalf("the filters are not in the address: %s", shared)
	}
	want := s.alertTotal(t, "policy=risky_sign_in&min_severity=high&status=open&since=2025-05-20T00:00:00Z")
	total, err := strconv.Atoi(run(b, chromedp.AttributeValue(chromedp.ID("alerts-total"), "data-total")).Value)
	if err != nil || total != want || want == 0 {
		t.Fatalf("the page counts %d alerts (%v), the API %d", total, err, want)
	}
	rows := run(b, chromedp.Evaluate[[][]string](`[...document.querySelectorAll("#alerts tbody tr")].map(tr => [...tr.cells].map(td => td.textContent.trim()))`))
	if len(rows) != min(want, 50) {
		t.Fatalf("the page lists %d alerts, want %d", len(rows), min(want, 50))
	}
	for _, r := range rows {
		if r[1] != "high" || r[2] != "open" || r[3] != engine.PolicyRiskySignIn || r[8] < "2025-05-20" {
			t.Fatalf("a listed alert does not match the filters: %v", r)
		}
	}

	// The address can be shared: a browser that signs in on it sees the
	// same list.
	other := newBrowser(t)
	other.navigate(shared)
	other.loaded(chromedp.SendKeys(chromedp.ID("token"), adminToken+"\n"))
	if got := other.location(); got != shared {
		t.Fatalf("the shared address led to %s", got)
	}
	if got := run(other, chromedp.AttributeValue(chromedp.ID("alerts-total"), "data-total")).Value; got != fmt.Sprint(want) {
		t.Fatalf("the shared address shows %s alerts, want %d", got, want)
	}

	b.follow("#alerts tbody tr:first-child td:first-child a")
	id := strings.TrimPrefix(mustURL(t, b.location()).Path, "/alerts/")
	var alert engine.Alert
	var page engine.AlertPage
	s.api(t, "/v1/alerts?limit=0&policy=risky_sign_in", &page)
	for _, a := range page.Alerts {
		if a.ID == id {
			alert = a
		}
	}
	if alert.ID == "" {
		t.Fatalf("the alert page %s names no alert of the API", id)
	}
	detections := run(b, chromedp.Evaluate[[][]string](`[...document.querySelectorAll("#detections tbody tr")].map(tr => [...tr.cells].map(td => td.textContent.trim()))`))
	if len(detections) != alert.DetectionCount {
		t.Fatalf("the alert lists %d detections, the API counts %d", len(detections), alert.DetectionCount)
	}
	for _, d := range detections {
		// time, event type, level, state, IP address, location
		if d[0] == "—" || !slices.Contains(alert.RiskEventTypes, d[1]) || d[2] == "—" || d[3] == "—" || d[4] == "—" || d[5] == "—" {
			t.Fatalf("a detection row lacks something the sample has: %v", d)
		}
	}

	b.follow("#alert-user")
	if got := b.text("#user-name"); got != alert.UserPrincipalName {
		t.Fatalf("the alert's user page is %q, want %q", got, alert.UserPrincipalName)
	}
	ids := run(b, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#user-alerts tbody tr td:first-child a")].map(a => a.pathname.split("/").pop())`))
	if !slices.Contains(ids, id) {
		t.Fatalf("the user's page does not list the alert %s: %v", id, ids)
	}
}

// Every page at both widths and in both themes: no request to another
// host, nothing logged (a CSP violation would be), every control labelled,
// nothing wider than the screen, the skip link first in tab order. The
// screenshots are for people to look at.
func TestBrowserEveryPage(t *testing.T) {
	s := newStand(t)
	b := newBrowser(t)
	b.signIn(s.URL, readToken)
	var alerts engine.AlertPage
	s.api(t, "/v1/alerts?limit=0&policy=risky_sign_in&status=open", &alerts)
	var userPage engine.UserPage
	s.api(t, "/v1/users", &userPage)
	users := userPage.Users
	if len(alerts.Alerts) == 0 || len(users) == 0 {
		t.Fatal("the stand has no open risky sign-in alert or no remediated user")
	}
	pages := []struct{ name, path string }{
		{"overview", "/"},
		{"alerts", "/alerts?policy=risky_sign_in&min_severity=medium"},
		{"alert", "/alerts/" + alerts.Alerts[0].ID},
		{"users", "/users"},
		{"user", "/users/" + users[0].UserID},
		{"remediations", "/remediations"},
		{"quarantine", "/quarantine"},
		{"policies", "/policies"},
	}
	for _, size := range []struct {
		width, height int64
		dark          bool
	}{{1280, 900, false}, {390, 844, false}, {1280, 900, true}, {390, 844, true}} {
		b.viewport(size.width, size.height, size.dark)
		for _, p := range pages {
			b.navigate(s.URL + p.path)
			where := fmt.Sprintf("%s at %d px", p.name, size.width)
			if h := b.text("h1"); h == "" || h == "Not Found" || h == "Internal Server Error" {
				t.Errorf("%s: the page says %q", where, h)
			}
			unlabelled := run(b, chromedp.Evaluate[[]string](`[...document.querySelectorAll("input:not([type=hidden]), select, textarea")]
				.filter(e => !(e.labels && e.labels.length) && !e.getAttribute("aria-label")).map(e => e.name || e.id)`))
			if len(unlabelled) > 0 {
				t.Errorf("%s: controls without a label: %v", where, unlabelled)
			}
			if wide := run(b, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)); wide {
				t.Errorf("%s: the page is wider than the screen", where)
			}
			name := fmt.Sprintf("%s-%d", p.name, size.width)
			if size.dark {
				name += "-dark"
			}
			b.screenshot(name)
			b.do(chromedp.KeyEvent("\t"))
			if first := run(b, chromedp.Evaluate[string](`document.activeElement.className`)); first != "skip" {
				t.Errorf("%s: the first Tab reaches %q, want the skip link", where, first)
			}
		}
	}
	b.viewport(1280, 900, false)
	b.navigate(s.URL + "/signin")
	b.screenshot("signin-1280")
	if off := b.offsite(s.URL); len(off) > 0 {
		t.Errorf("pages sent requests to other hosts: %v", off)
	}
	if n := b.requestCount(); n < len(pages)*4 {
		t.Errorf("only %d requests were seen: the network log is not being recorded", n)
	}
	if problems := b.logged(); len(problems) > 0 {
		t.Errorf("the browser logged problems: %v", problems)
	}
}
