package cli

import (
	"context"
	"flag"
	"strings"

	"github.com/idp/terraform-provider-idp/internal/engine"
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

func (c *invocation) listing() error {
	if err := c.checkOutput("table", "json"); err != nil {
		return err
	}
	return c.noArgs()
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

func runPolicies(ctx context.Context, c *invocation) error {
	if err := c.listing(); err != nil {
		return err
	}
	svc, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer svc.Close()
	ps, err := svc.Policies(ctx)
	if err != nil {
		return err
	}
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
	if c.output == "json" {
		return writeJSON(c.env.Stdout, views)
	}
	t := newTable(c.env.Stdout, "TYPE", "NAME", "ENABLED", "SEVERITY", "WINDOW", "REMEDIATE", "GROUP BY", "CONDITION")
	for _, v := range views {
		// A condition may span lines and hold tabs, which would break the
		// table's rows and columns; the JSON output keeps it as written.
		t.row(v.Type, v.Name, v.Enabled, v.Severity, v.AggregationWindow, v.RemediateRiskyUsers, v.GroupBy,
			strings.Join(strings.Fields(v.Condition), " "))
	}
	return t.flush()
}

func runUsers(ctx context.Context, c *invocation) error {
	if err := c.listing(); err != nil {
		return err
	}
	svc, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer svc.Close()
	users, err := svc.Users(ctx)
	if err != nil {
		return err
	}
	if c.output == "json" {
		return writeJSON(c.env.Stdout, users)
	}
	t := newTable(c.env.Stdout, "USER", "USER ID", "RISK LEVEL", "RISK STATE", "MANAGED DEVICE", "ACTIONS", "REMEDIATED AT")
	for _, u := range users {
		t.row(u.UserPrincipalName, u.UserID, u.RiskLevel, u.RiskState, u.ManagedDevice, u.Actions, u.RemediatedAt)
	}
	return t.flush()
}

func runRemediations(ctx context.Context, c *invocation) error {
	if err := c.listing(); err != nil {
		return err
	}
	svc, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer svc.Close()
	log, err := svc.Remediations(ctx)
	if err != nil {
		return err
	}
	if c.output == "json" {
		return writeJSON(c.env.Stdout, log)
	}
	t := newTable(c.env.Stdout, "TIME", "USER ID", "ALERT", "POLICY", "ACTIONS", "OUTCOME")
	for _, r := range log {
		t.row(r.Time, r.UserID, r.AlertID, r.Policy, r.Actions, r.Outcome)
	}
	return t.flush()
}

func runQuarantine(ctx context.Context, c *invocation) error {
	if err := c.listing(); err != nil {
		return err
	}
	svc, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer svc.Close()
	entries, err := svc.Quarantine(ctx)
	if err != nil {
		return err
	}
	if c.output == "json" {
		return writeJSON(c.env.Stdout, entries)
	}
	t := newTable(c.env.Stdout, "QUARANTINED AT", "SOURCE", "LINE", "REASON", "SIZE")
	for _, e := range entries {
		t.row(e.QuarantinedAt, e.Source, e.Line, e.Reason, len(e.Raw))
	}
	return t.flush()
}
