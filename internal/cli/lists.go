package cli

import (
	"context"
	"flag"
	"strings"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/service"
)

// policiesFlags are the flags of `engine policies`.
type policiesFlags struct{ commonFlags }

func (f *policiesFlags) define(fs *flag.FlagSet) { f.defineOutput(fs, "table", "json") }

// usersFlags are the flags of `engine users`.
type usersFlags struct {
	commonFlags
	pageFlags
}

func (f *usersFlags) define(fs *flag.FlagSet) {
	f.pageFlags.define(fs, "users")
	f.defineOutput(fs, "table", "json")
}

// remediationsFlags are the flags of `engine remediations`.
type remediationsFlags struct {
	commonFlags
	pageFlags
}

func (f *remediationsFlags) define(fs *flag.FlagSet) {
	f.pageFlags.define(fs, "entries")
	f.defineOutput(fs, "table", "json")
}

// The read-only listings: policies, users and remediations (quarantine.go
// has the quarantine).
func init() {
	register(command{
		name:    "policies",
		summary: "list the policies and their settings",
		usage:   "[--output json|table]",
	}, runPolicies)
	register(command{
		name:    "users",
		summary: "list users at risk with their enforced actions",
		usage:   "[--limit N] [--offset N] [--output json|table]",
	}, runUsers)
	register(command{
		name:    "remediations",
		summary: "print the remediation audit log",
		usage:   "[--limit N] [--offset N] [--output json|table]",
	}, runRemediations)
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

// listing runs a read-only listing that fits in memory (policies): fetch
// the rows from the engine, then print them as JSON or as a table with the
// given headers and cells.
func listing[T any](ctx context.Context, c *invocation, fetch func(*service.Service) ([]T, error),
	headers []string, cells func(T) []any) error {
	if err := c.checkOutput(); err != nil {
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

// pagedListing runs a listing that can outgrow memory: it reads a page at
// a time (fetch gets a limit and an offset) and prints each page before
// reading the next.
func pagedListing[T any](ctx context.Context, c *invocation, pf *pageFlags, fetch func(svc *service.Service, p engine.Page) ([]T, error),
	headers []string, cells func(T) []any) error {
	if err := c.checkOutput(); err != nil {
		return err
	}
	if err := c.noArgs(); err != nil {
		return err
	}
	page, err := pf.page()
	if err != nil {
		return err
	}
	svc, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer svc.Close()
	p := newPrinter(c, headers, cells)
	err = eachPage(page.Limit, page.Offset, func(limit, offset int) ([]T, error) {
		return fetch(svc, engine.Page{Limit: limit, Offset: offset})
	}, p.page)
	if err != nil {
		return err
	}
	return p.done()
}

func runPolicies(ctx context.Context, c *invocation, _ *policiesFlags) error {
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

func runUsers(ctx context.Context, c *invocation, f *usersFlags) error {
	return pagedListing(ctx, c, &f.pageFlags, func(svc *service.Service, p engine.Page) ([]engine.User, error) {
		page, err := svc.Users(ctx, p)
		return page.Users, err
	}, []string{"USER", "USER ID", "RISK LEVEL", "RISK STATE", "MANAGED DEVICE", "ACTIONS", "REMEDIATED AT"},
		func(u engine.User) []any {
			return []any{u.UserPrincipalName, u.UserID, u.RiskLevel, u.RiskState, u.ManagedDevice, u.Actions, u.RemediatedAt}
		})
}

func runRemediations(ctx context.Context, c *invocation, f *remediationsFlags) error {
	return pagedListing(ctx, c, &f.pageFlags, func(svc *service.Service, p engine.Page) ([]engine.Remediation, error) {
		page, err := svc.Remediations(ctx, p)
		return page.Remediations, err
	}, []string{"TIME", "USER ID", "ALERT", "POLICY", "ACTIONS", "OUTCOME"},
		func(r engine.Remediation) []any {
			return []any{r.Time, r.UserID, r.AlertID, r.Policy, r.Actions, r.Outcome}
		})
}
