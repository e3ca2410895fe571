package cli

import (
	"context"
	"testing"

	"github.com/idp/terraform-provider-idp/internal/engine/service"
	"github.com/idp/terraform-provider-idp/internal/engine/store/storeopen"
)

// The command line reads settings but does not write them (Terraform
// does); these helpers write them through the engine library.

func setEnabled(t *testing.T, dir string, enabled bool) {
	t.Helper()
	withService(t, dir, func(svc *service.Service) error {
		in, err := svc.Integration(context.Background())
		if err != nil {
			return err
		}
		in.Enabled = enabled
		_, err = svc.SetIntegration(context.Background(), in)
		return err
	})
}

func setRemediation(t *testing.T, dir string) {
	t.Helper()
	withService(t, dir, func(svc *service.Service) error {
		p, err := svc.Policy(context.Background(), "risky_sign_in")
		if err != nil {
			return err
		}
		p.RemediateRiskyUsers = true
		_, err = svc.PutPolicy(context.Background(), p)
		return err
	})
}

func withService(t *testing.T, dir string, fn func(*service.Service) error) {
	t.Helper()
	svc, err := storeopen.Service(context.Background(), service.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	if err := fn(svc); err != nil {
		t.Fatal(err)
	}
}
