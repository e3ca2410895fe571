package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/store/postgres"
)

// TestOpenNeverShowsThePassword: the URL carries a password, and Open's
// errors end up on terminals, in Terraform diagnostics and in logs.
func TestOpenNeverShowsThePassword(t *testing.T) {
	const secret = "s3cr3t-pa55word"
	cases := []struct {
		name, url string
		invalid   bool
	}{
		{"unreachable", "postgres://idp:" + secret + "@127.0.0.1:1/idp?sslmode=disable&connect_timeout=2", false},
		{"bad port", "postgres://idp:" + secret + "@127.0.0.1:notaport/idp", true},
		{"bad parameter", "postgres://idp:" + secret + "@127.0.0.1:5432/idp?sslmode=sometimes", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err := postgres.Open(ctx, tc.url, postgres.Options{})
			if err == nil {
				t.Fatal("Open succeeded")
			}
			if strings.Contains(err.Error(), secret) {
				t.Fatalf("the error shows the password: %v", err)
			}
			if errors.Is(err, engine.ErrInvalid) != tc.invalid {
				t.Fatalf("error %v: invalid = %v, want %v", err, errors.Is(err, engine.ErrInvalid), tc.invalid)
			}
		})
	}
}
