package cli

import (
	"context"
	"flag"
	"strings"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

// alertsFlags are the flags of `engine alerts`.
type alertsFlags struct {
	commonFlags
	policy, minSeverity, status, user string
	limit, offset                     int
}

func (f *alertsFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&f.policy, "policy", "", "only this policy (a built-in type or a custom policy's name)")
	fs.StringVar(&f.minSeverity, "min-severity", "", "only alerts of at least this severity: "+strings.Join(engine.SeverityNames(), ", "))
	fs.StringVar(&f.status, "status", "", "only alerts with this status: open or resolved")
	fs.StringVar(&f.user, "user", "", "only alerts of this user principal name")
	fs.IntVar(&f.limit, "limit", 100, "at most this many alerts; 0 for all")
	fs.IntVar(&f.offset, "offset", 0, "skip this many alerts first, to print a later page")
	f.defineOutput(fs, "table", "json")
}

func init() {
	register(command{
		name:    "alerts",
		summary: "list alerts, newest first",
		usage:   "[--policy P] [--min-severity S] [--status S] [--user UPN] [--limit N] [--offset N] [--output json|table]",
	}, runAlerts)
}

func runAlerts(ctx context.Context, c *invocation, f *alertsFlags) error {
	if err := f.checkOutput(); err != nil {
		return err
	}
	if err := c.noArgs(); err != nil {
		return err
	}
	q := engine.AlertQuery{
		Policy:            f.policy,
		UserPrincipalName: f.user,
		Limit:             f.limit,
		Offset:            f.offset,
	}
	if f.minSeverity != "" {
		sev, err := engine.ParseSeverity(f.minSeverity)
		if err != nil {
			return usagef("--min-severity: %s", strings.TrimPrefix(err.Error(), engine.ErrInvalid.Error()+": "))
		}
		q.MinSeverity = sev
	}
	switch st := engine.AlertStatus(f.status); st {
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
