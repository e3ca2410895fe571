package provider

import (
	"context"
	"errors"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/idp/terraform-provider-idp/internal/client"
	"github.com/idp/terraform-provider-idp/internal/engine"
)

// checkEngineVersion asks a remote engine for its version at configure, so
// that a server this provider cannot talk to is explained once, in words,
// rather than misread by every resource. The embedded engine is this
// binary: nothing to compare.
func checkEngineVersion(ctx context.Context, c client.Client, cfg clientConfig, providerVersion string) diag.Diagnostics {
	if !c.Remote() {
		return nil
	}
	v, err := c.Version(ctx)
	return engineVersionDiagnostics(cfg, providerVersion, v, err)
}

// engineVersionDiagnostics judges the server's answer. Another API version
// is an error: the two would disagree on what the routes mean. A server
// without GET /v1/version predates it, and so the checks the plan needs.
// Another release of the same API version works, but plans are judged by
// the server's rules, which may not be what this provider's documentation
// says: a warning.
func engineVersionDiagnostics(cfg clientConfig, providerVersion string, v client.Version, err error) diag.Diagnostics {
	var diags diag.Diagnostics
	switch {
	case errors.Is(err, engine.ErrNotFound):
		diags.Append(engineServerTooOld(cfg, providerVersion, err))
	case err != nil:
		diags.Append(configureError(cfg, err))
	case v.APIVersion != client.APIVersion:
		diags.Append(engineAPIVersionMismatch(cfg, providerVersion, v))
	case v.Version != "" && providerVersion != "" && v.Version != providerVersion:
		diags.Append(engineReleaseDiffers(cfg, providerVersion, v))
	}
	return diags
}
