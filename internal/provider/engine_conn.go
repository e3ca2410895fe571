package provider

import (
	"context"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/idp/terraform-provider-idp/internal/client"
)

// engineConn is what Configure hands to every resource, data source and
// action: the engine client, and what the provider knows about where the
// engine keeps its data.
type engineConn struct {
	client.Client
	cfg clientConfig

	// newStoreOnce makes the new-store warning one per provider instance
	// (one per Terraform command), however many resources read.
	newStoreOnce sync.Once
}

// warnIfStoreNew is called by every resource Read: a Read means the state
// holds this provider's resources. When the engine's store holds no
// settings at all, it is new (a fresh CI checkout, another working
// directory, a deleted .idp), and the plan about to drift every resource
// back to the defaults deserves one warning that says why.
func (c *engineConn) warnIfStoreNew(ctx context.Context, diags *diag.Diagnostics) {
	c.newStoreOnce.Do(func() {
		st, err := c.Status(ctx)
		if err != nil || st.Configured {
			// An unreachable engine fails the Read itself.
			return
		}
		diags.Append(storeIsNew(c.cfg))
	})
}

// configuredClient is what resources and data sources keep from the
// provider's Configure: the engine connection, or nil while the provider
// is not configured yet (Terraform validates before it configures).
func configuredClient(data any, diags *diag.Diagnostics) *engineConn {
	if data == nil {
		return nil
	}
	c, ok := data.(*engineConn)
	if !ok {
		diags.Append(unexpectedProviderData(data))
	}
	return c
}
