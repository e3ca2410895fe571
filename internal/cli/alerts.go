package cli

import (
	"context"
	"flag"
	"strings"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

func init() {
	register(&command{
		name:    "alerts",
		summary: "list alerts, newest first",
		usage:   "[--policy P] [--min-severity S] [--status S] [--user UPN] [--limit N] [--offset N] [--output json|table]",
		flags: func(fs *flag.FlagSet, c *invocation) {
			c.values["policy"] = fs.String("policy", "", "only this policy (a built-in type or a custom policy's name)")
			c.values["min-severity"] = fs.String("min-severity", "", "only alerts of at least this severity: "+strings.Join(engine.SeverityNames(), ", "))
			c.values["status"] = fs.String("status", "", "only alerts with this status: open or resolved")
			c.values["user"] = fs.String("user", "", "only alerts of this user principal name")
			c.values["limit"] = fs.Int("limit", 100, "at most this many alerts; 0 for all")
			c.values["offset"] = fs.Int("offset", 0, "skip this many alerts first, to print a later page")
			outputFlag(fs, c, "table", "json")
		},
		run: runAlerts,
	})
}

func runAlerts(ctx context.Context, c *invocation) error {
	if err := c.checkOutput("table", "json"); err != nil {
		return err
	}
	if err := c.noArgs(); err != nil {
		return err
	}
	q := engine.AlertQuery{
		Policy:            *c.values["policy"].(*string),
		UserPrincipalName: *c.values["user"].(*string),
		Limit:             *c.values["limit"].(*int),
		Offset:            *c.values["offset"].(*int),
	}
	if s := *c.values["min-severity"].(*string); s != "" {
		sev, err := engine.ParseSeverity(s)
		if err != nil {
			return usagef("--min-severity: %s", strings.TrimPrefix(err.Error(), engine.ErrInvalid.Error()+": "))
		}
		q.MinSeverity = sev
	}
	switch st := engine.AlertStatus(*c.values["status"].(*string)); st {
	case "", engine.AlertOpen, engine.AlertResolved:
		q.Status = st
	default:
		return usagef("--status must be open or resolved, not %q", st)
	}
	if q.Limit < 0 {
		return usagef("--limit must be 0 (all) or more")
	}
	if q.Offset < 0 {
		return usagef("--offset must be 0 or more")
	}
	svc, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer svc.Close()
	// Alerts are read a page at a time, and each page printed before the
	// next is read: --limit 0 prints them all without holding them all.
	p := newPrinter(c, []string{"ID", "POLICY", "SEVERITY", "STATUS", "USER", "DETECTIONS", "RISK EVENT TYPES", "FIRST SEEN", "LAST SEEN"},
		func(a engine.Alert) []any {
			return []any{a.ID, a.Policy, string(a.Severity), string(a.Status), a.UserPrincipalName, a.DetectionCount, a.RiskEventTypes, a.FirstSeen, a.LastSeen}
		})
	err = eachPage(q.Limit, q.Offset, func(limit, offset int) ([]engine.Alert, error) {
		page := q
		page.Limit, page.Offset = limit, offset
		got, err := svc.Alerts(ctx, page)
		return got.Alerts, err
	}, p.page)
	if err != nil {
		return err
	}
	return p.done()
}
