package graph_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph"
)

func TestNewValidatesTheConfig(t *testing.T) {
	good := func() graph.Config {
		return graph.Config{TenantID: tenant, ClientID: clientID, ClientSecret: secret}
	}
	for _, tc := range []struct {
		name  string
		tweak func(*graph.Config)
		field string // named in the error; "" for a valid config
	}{
		{"defaults", func(*graph.Config) {}, ""},
		{"sovereign cloud", func(c *graph.Config) {
			c.AuthorityURL, c.GraphURL = "https://login.microsoftonline.us/", "https://graph.microsoft.us"
		}, ""},
		{"loopback http, allowed", func(c *graph.Config) {
			c.GraphURL, c.AllowHosts = "http://127.0.0.1:8080", []string{"127.0.0.1"}
		}, ""},
		{"loopback http, not allowed", func(c *graph.Config) { c.GraphURL = "http://127.0.0.1:8080" }, "graph_url"},
		{"authority on another host", func(c *graph.Config) { c.AuthorityURL = "https://login.example" }, "authority_url"},
		{"graph on another host", func(c *graph.Config) { c.GraphURL = "https://graph.microsoft.com.example" }, "graph_url"},
		{"rate limit off", func(c *graph.Config) { c.RequestsPerSecond = -1 }, ""},
		{"page size 1", func(c *graph.Config) { c.PageSize = 1 }, ""},
		{"no tenant", func(c *graph.Config) { c.TenantID = "" }, "tenant_id"},
		{"tenant with a slash", func(c *graph.Config) { c.TenantID = "a/b" }, "tenant_id"},
		{"no client id", func(c *graph.Config) { c.ClientID = " " }, "client_id"},
		{"no secret", func(c *graph.Config) { c.ClientSecret = "" }, "client_secret"},
		{"page size too big", func(c *graph.Config) { c.PageSize = 501 }, "page_size"},
		{"negative page size", func(c *graph.Config) { c.PageSize = -1 }, "page_size"},
		{"plain http to a remote host", func(c *graph.Config) { c.GraphURL = "http://graph.example" }, "graph_url"},
		{"authority not a URL", func(c *graph.Config) { c.AuthorityURL = "login" }, "authority_url"},
		{"authority with credentials", func(c *graph.Config) { c.AuthorityURL = "https://u:p@login.example" }, "authority_url"},
		{"negative attempts", func(c *graph.Config) { c.MaxAttempts = -1 }, "attempts"},
		{"NaN rate", func(c *graph.Config) { c.RequestsPerSecond = math.NaN() }, "requests per second"},
		{"backoff upside down", func(c *graph.Config) { c.MinBackoff, c.MaxBackoff = 10, 5 }, "backoff"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := good()
			tc.tweak(&cfg)
			c, err := graph.New(cfg)
			if tc.field == "" {
				if err != nil || c == nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if !errors.Is(err, engine.ErrInvalid) || !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("got %v, want ErrInvalid naming %s", err, tc.field)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("the error shows the secret: %v", err)
			}
		})
	}
}

// The per-setting checks refuse what New refuses, and also an empty URL,
// which only a Config reads as the default.
func TestSettingChecks(t *testing.T) {
	for _, tc := range []struct {
		name  string
		err   error
		field string // named in the error; "" for a valid setting
	}{
		{"tenant domain", graph.CheckTenantID("contoso.onmicrosoft.com"), ""},
		{"tenant blank", graph.CheckTenantID(" "), "tenant_id"},
		{"tenant with a query", graph.CheckTenantID("contoso?x=1"), "tenant_id"},
		{"client id", graph.CheckClientID(clientID), ""},
		{"client id empty", graph.CheckClientID(""), "client_id"},
		{"https", graph.CheckBaseURL("graph_url", "https://graph.microsoft.us"), ""},
		{"loopback http", graph.CheckBaseURL("authority_url", "http://localhost:8080"), ""},
		{"empty URL", graph.CheckBaseURL("graph_url", ""), "graph_url"},
		{"relative URL", graph.CheckBaseURL("authority_url", "login.microsoftonline.com"), "authority_url"},
		{"remote http", graph.CheckBaseURL("graph_url", "http://graph.example"), "graph_url"},
		{"page size 500", graph.CheckPageSize(500), ""},
		{"page size 0", graph.CheckPageSize(0), "page_size"},
		{"page size 501", graph.CheckPageSize(501), "page_size"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.field == "" {
				if tc.err != nil {
					t.Fatalf("refused: %v", tc.err)
				}
				return
			}
			if !errors.Is(tc.err, engine.ErrInvalid) || !strings.Contains(tc.err.Error(), tc.field) {
				t.Fatalf("got %v, want ErrInvalid naming %s", tc.err, tc.field)
			}
		})
	}
}
