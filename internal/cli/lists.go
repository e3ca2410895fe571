package cli

import (
	"context"
	"flag"
	"strings"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/service"
)

// The read-only listings: policies, users, remediations and quarantine.
func init() {
	register(&command{
		name:    "policies",
		summary: "list the policies and their settings",
		usage:   "[--output json|table]",
		flags:   func(fs *flag.FlagSet, c *invocation) { outputFlag(fs, c, "table", "json") },
		run:     runPolicies,
	})
	register(&command{
		name:    "users",
		summary: "list users at risk with their enforced actions",
		usage:   "[--output json|table]",
		flags:   func(fs *flag.FlagSet, c *invocation) { outputFlag(fs, c, "table", "json") },
		run:     runUsers,
	})
	register(&command{
		name:    "remediations",
		summary: "print the remediation audit log",
		usage:   "[--output json|table]",
		flags:   func(fs *flag.FlagSet, c *invocation) { outputFlag(fs, c, "table", "json") },
		run:     runRemediations,
	})
	register(&command{
		name:    "quarantine",
		summary: "list quarantined records with their reasons",
		usage:   "[--output json|table]",
		flags:   func(fs *flag.FlagSet, c *invocation) { outputFlag(fs, c, "table", "json") },
		run:     runQuarantine,
	})
}

// policyView is a policy as `engine policies` prints it.
type policyView struct {
	Type                string `json:"type"`
	Name                string `json:"name"`
	Enabled             bool   `json:"enabled"`
	Severity            string `json:"severity"`
	AggregationWindow   string `json:"aggregation_window"`
	RemediateRiskyUsers bool   `json:"remediate_risky_users"`
	Condition           string `json:"condition,omitempty"`
	GroupBy             string `json:"group_by,omitempty"`
}

// listing runs a read-only listing: fetch the rows from the engine, then
// print them as JSON or as a table with the given headers and cells.
func listing[T any](ctx context.Context, c *invocation, fetch func(*service.Service) ([]T, error),
	headers []string, cells func(T) []any) error {
	if err := c.checkOutput("table", "json"); err != nil {
		return err
	}
	if err := c.noArgs(); err != nil {
		return err
	}
	svc, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer svc.Close()
	rows, err := fetch(svc)
	if err != nil {
		return err
	}
	if c.output == "json" {
		return writeJSON(c.env.Stdout, rows)
	}
	t := newTable(c.env.Stdout, headers...)
	for _, r := range rows {
		t.row(cells(r)...)
	}
	return t.flush()
}

func runPolicies(ctx context.Context, c *invocation) error {
	return listing(ctx, c, func(svc *service.Service) ([]policyView, error) {
		ps, err := svc.Policies(ctx)
		views := make([]policyView, len(ps))
		for i, p := range ps {
			views[i] = policyView{Type: p.Type, Name: p.ID(), Enabled: p.Enabled, Severity: string(p.Severity),
				RemediateRiskyUsers: p.RemediateRiskyUsers, Condition: p.Condition}
			if p.GroupBy == engine.GroupByUser {
				views[i].AggregationWindow = p.AggregationWindow.String()
			}
			if p.Type == engine.PolicyCustom {
				views[i].GroupBy = p.GroupBy
			}
		}
		return views, err
	}, []string{"TYPE", "NAME", "ENABLED", "SEVERITY", "WINDOW", "REMEDIATE", "GROUP BY", "CONDITION"}, func(v policyView) []any {
		// A condition may span lines and hold tabs, which would break the
		// table's rows and columns; the JSON output keeps it as written.
		return []any{v.Type, v.Name, v.Enabled, v.Severity, v.AggregationWindow, v.RemediateRiskyUsers, v.GroupBy,
			strings.Join(strings.Fields(v.Condition), " ")}
	})
}

func runUsers(ctx context.Context, c *invocation) error {
	return listing(ctx, c, func(svc *service.Service) ([]engine.User, error) { return svc.Users(ctx) },
		[]string{"USER", "USER ID", "RISK LEVEL", "RISK STATE", "MANAGED DEVICE", "ACTIONS", "REMEDIATED AT"},
		func(u engine.User) []any {
			return []any{u.UserPrincipalName, u.UserID, u.RiskLevel, u.RiskState, u.ManagedDevice, u.Actions, u.RemediatedAt}
		})
}

func runRemediations(ctx context.Context, c *invocation) error {
	return listing(ctx, c, func(svc *service.Service) ([]engine.Remediation, error) { return svc.Remediations(ctx) },
		[]string{"TIME", "USER ID", "ALERT", "POLICY", "ACTIONS", "OUTCOME"},
		func(r engine.Remediation) []any {
			return []any{r.Time, r.UserID, r.AlertID, r.Policy, r.Actions, r.Outcome}
		})
}

func runQuarantine(ctx context.Context, c *invocation) error {
	return listing(ctx, c, func(svc *service.Service) ([]engine.QuarantineEntry, error) { return svc.Quarantine(ctx) },
		[]string{"QUARANTINED AT", "SOURCE", "LINE", "REASON", "SIZE"},
		func(e engine.QuarantineEntry) []any {
			return []any{e.QuarantinedAt, e.Source, e.Line, e.Reason, len(e.Raw)}
		})
}
