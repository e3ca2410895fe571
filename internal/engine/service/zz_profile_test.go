package service_test

import (
	"os"
	"testing"

	"github.com/idp/terraform-provider-idp/internal/engine/service"
)

func TestZZProfile(t *testing.T) {
	path := os.Getenv("IDP_PROFILE_INPUT")
	if path == "" {
		t.Skip()
	}
	f, _ := os.Open(path)
	defer f.Close()
	svc := open(t, service.Config{})
	sum, err := svc.IngestDetections(ctx, f, service.IngestOptions{Source: "p"})
	t.Logf("%+v %v", sum, err)
}
