package service

import (
	"context"
	"fmt"
	"slices"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

// claim does what mode says with a singleton's claim, inside the
// transaction that writes the singleton's settings, so that two creates
// racing on a shared database cannot both succeed: the settings lock
// serializes them.
func claim(ctx context.Context, tx store.Tx, name string, mode engine.ClaimMode) error {
	switch mode {
	case engine.ClaimNew:
		held, err := tx.Claims(ctx)
		if err != nil {
			return err
		}
		if slices.Contains(held, name) {
			return fmt.Errorf("%s is already managed by a Terraform resource: %w", claimSubject(name), engine.ErrAlreadyExists)
		}
		return tx.PutClaim(ctx, name)
	case engine.ClaimHold:
		return tx.PutClaim(ctx, name)
	}
	return nil
}

func claimSubject(name string) string {
	if name == engine.ClaimIntegration {
		return "the integration"
	}
	return "the built-in policy " + name[len(engine.ClaimPolicy("")):]
}
