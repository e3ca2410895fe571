package client

import (
	"context"

	"github.com/idp/terraform-provider-idp/internal/api"
	"github.com/idp/terraform-provider-idp/internal/engine"
)

func (e *Embedded) ValidateIntegration(ctx context.Context, in engine.Integration) error {
	return e.svc.CheckIntegration(ctx, in)
}

func (e *Embedded) ValidatePolicy(ctx context.Context, p engine.Policy) (engine.Policy, error) {
	return e.svc.CheckPolicy(ctx, p)
}

func (e *Embedded) TestPolicy(ctx context.Context, p engine.Policy, tests []engine.PolicyTest) ([]engine.PolicyTestResult, error) {
	return e.svc.TestPolicy(ctx, p, tests)
}

func (e *Embedded) PolicyDefaults(ctx context.Context, typ, groupBy string) (engine.Policy, error) {
	return e.svc.PolicyDefaults(ctx, typ, groupBy)
}

// Version is this build's API version: the engine is this binary, so
// there is nothing to mismatch.
func (e *Embedded) Version(context.Context) (api.Version, error) {
	return api.Version{APIVersion: api.APIVersion}, nil
}
