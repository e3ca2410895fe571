package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph"
	"github.com/idp/terraform-provider-idp/internal/engine/service"
	"github.com/idp/terraform-provider-idp/internal/server"
)

// Reads answer from the store while a sync is stuck on its source: the
// sync below waits on a Graph token endpoint that answers only when the
// test lets it, and every read completes before that. (Before reads were
// pure, GET /v1/alerts queued behind the sync, and this test would hang
// until its deadline.)
func TestReadsDoNotWaitForSync(t *testing.T) {
	f := newFixture(t, server.Config{})
	if _, err := f.svc.IngestDetections(context.Background(), strings.NewReader(record("lc-1", "ann")), service.IngestOptions{Source: "push"}); err != nil {
		t.Fatal(err)
	}
	entered := make(chan struct{}, 1)
	release := make(chan struct{})
	stuck := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case entered <- struct{}{}:
		default:
		}
		<-release
		// A refusal that is not retried, so that the sync ends at once.
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":"invalid_client","error_description":"refused by the test"}`))
	}))
	t.Cleanup(stuck.Close)
	// The operator allows the stand-in's host for Graph credentials.
	t.Setenv(graph.AllowedHostsEnv, strings.TrimPrefix(stuck.URL, "http://"))
	in := engine.DefaultIntegration()
	in.Source = &engine.Source{Graph: &engine.GraphSource{TenantID: "contoso.onmicrosoft.com", ClientID: "app",
		ClientSecret: "s", AuthorityURL: stuck.URL, GraphURL: stuck.URL}}
	if _, err := f.svc.SetIntegration(context.Background(), in); err != nil {
		t.Fatal(err)
	}

	syncDone := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, f.url+"/v1/sync", nil)
		req.Header.Set("Authorization", "Bearer "+tokenA)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			syncDone <- 0
			return
		}
		resp.Body.Close()
		syncDone <- resp.StatusCode
	}()
	<-entered // the sync is now waiting on its source

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, path := range []string{"/v1/alerts", "/v1/status", "/v1/users", "/v1/remediations", "/v1/quarantine", "/v1/integration", "/v1/policies"} {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, f.url+path, nil)
		req.Header.Set("Authorization", "Bearer "+tokenA)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("GET %s while a sync waits on its source: %v", path, err)
		}
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
		if path == "/v1/alerts" {
			var page engine.AlertPage
			if err := json.NewDecoder(resp.Body).Decode(&page); err != nil || page.Total != 1 {
				t.Fatalf("alerts while syncing: %+v, %v; want the one already processed", page, err)
			}
		}
		resp.Body.Close()
	}
	select {
	case code := <-syncDone:
		t.Fatalf("the sync finished (%d) before the reads were checked: the test proved nothing", code)
	default:
	}
	close(release)
	if code := <-syncDone; code == http.StatusOK {
		t.Fatalf("the sync against a refusing token endpoint answered %d", code)
	}
}
