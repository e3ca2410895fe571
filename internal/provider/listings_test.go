package provider

import (
	"context"

	"github.com/idp/terraform-provider-idp/internal/client"
	"github.com/idp/terraform-provider-idp/internal/engine"
)

// allUsers, allRemediations and allQuarantine read a whole listing, as the
// tests' engines hold few rows.
func allUsers(ctx context.Context, c client.Client) ([]engine.User, error) {
	page, err := c.Users(ctx, engine.Page{})
	return page.Users, err
}

func allRemediations(ctx context.Context, c client.Client) ([]engine.Remediation, error) {
	page, err := c.Remediations(ctx, engine.Page{})
	return page.Remediations, err
}

func allQuarantine(ctx context.Context, c client.Client) ([]engine.QuarantineEntry, error) {
	page, err := c.Quarantine(ctx, engine.QuarantineQuery{})
	return page.Entries, err
}
