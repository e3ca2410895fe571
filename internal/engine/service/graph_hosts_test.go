package service_test

import (
	"context"
	"errors"
	"testing"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph/graphtest"
	"github.com/idp/terraform-provider-idp/internal/engine/service"
)

// A graph source naming a host that is neither Microsoft's nor allowed is
// refused when written, naming the attribute; allowed through the
// environment it is accepted; and when the allowance goes away, the sync
// refuses before anything is sent.
func TestGraphHostsAreAllowedOrRefused(t *testing.T) {
	srv := graphtest.NewServer(gTenant, gClient, gSecret)
	t.Cleanup(srv.Close)
	svc := open(t, service.Config{Graph: graph.Config{RequestsPerSecond: -1}})
	ctx := context.Background()
	source := func(authority, graphURL string) engine.Integration {
		in := engine.DefaultIntegration()
		in.Source = &engine.Source{Graph: &engine.GraphSource{TenantID: gTenant, ClientID: gClient, ClientSecret: gSecret,
			AuthorityURL: authority, GraphURL: graphURL}}
		return in
	}
	t.Setenv(graph.AllowedHostsEnv, "")
	_, err := svc.SetIntegration(ctx, source("https://login.attacker.example", ""))
	wantRefusedField(t, err, "source.graph.authority_url", graph.ErrHostNotAllowed)
	_, err = svc.SetIntegration(ctx, source("", srv.URL))
	wantRefusedField(t, err, "source.graph.graph_url", graph.ErrHostNotAllowed)
	if _, err := svc.SetIntegration(ctx, source("https://login.microsoftonline.us", "https://dod-graph.microsoft.us")); err != nil {
		t.Fatalf("a sovereign cloud: %v", err)
	}

	t.Setenv(graph.AllowedHostsEnv, "other.example, "+srv.Host())
	if _, err := svc.SetIntegration(ctx, source(srv.URL, srv.URL)); err != nil {
		t.Fatalf("an allowed host: %v", err)
	}
	if sum, err := svc.Sync(ctx); err != nil || srv.Stats().TokensIssued == 0 {
		t.Fatalf("sync from an allowed host: %+v, %v", sum, err)
	}
	before := srv.Stats()
	t.Setenv(graph.AllowedHostsEnv, "")
	if _, err := svc.Sync(ctx); !errors.Is(err, graph.ErrHostNotAllowed) {
		t.Fatalf("sync after the host was disallowed = %v, want ErrHostNotAllowed", err)
	}
	if after := srv.Stats(); after.TokenRequests != before.TokenRequests || after.GraphRequests != before.GraphRequests {
		t.Fatalf("a disallowed host was sent requests: %+v then %+v", before, after)
	}
}
