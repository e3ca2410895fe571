package cli

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph/graphtest"
	"github.com/idp/terraform-provider-idp/internal/engine/service"
)

// A sync of a graph source that writes back prints the fields ingest
// prints, and the write-back's counts in an object of their own.
func TestSyncOutputWithWriteback(t *testing.T) {
	srv := graphtest.NewServer("contoso.onmicrosoft.com", "app", "s3cret")
	t.Cleanup(srv.Close)
	// The command line's operator allows the stand-in, as a user would.
	t.Setenv(graph.AllowedHostsEnv, srv.Host())
	if err := srv.LoadDetections(strings.NewReader(sample)); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	setRemediation(t, dir)
	withService(t, dir, func(svc *service.Service) error {
		in := engine.DefaultIntegration()
		in.Source = &engine.Source{Graph: &engine.GraphSource{
			TenantID: srv.TenantID, ClientID: srv.ClientID, ClientSecret: srv.ClientSecret,
			AuthorityURL: srv.URL, GraphURL: srv.URL, Writeback: true,
		}}
		_, err := svc.SetIntegration(context.Background(), in)
		return err
	})

	code, out, stderr := run(t, "", "sync", "--data-dir", dir, "--output", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var sum map[string]any
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatal(err)
	}
	want := []string{"accepted", "alerts_created", "alerts_updated", "duplicates", "elapsed_seconds", "quarantined", "read", "updated", "users_remediated", "writeback"}
	if !reflect.DeepEqual(keys(sum), want) || sum["read"] != 3.0 || sum["accepted"] != 2.0 || sum["users_remediated"] != 1.0 {
		t.Fatalf("summary = %v", sum)
	}
	if wb := sum["writeback"]; !reflect.DeepEqual(wb, map[string]any{"confirmed": 1.0, "failed": 0.0, "deferred": 0.0}) {
		t.Fatalf("writeback = %v", wb)
	}
	if got := srv.Compromised(); !reflect.DeepEqual(got, []string{"u1"}) {
		t.Fatalf("Graph confirmed %v, want [u1]", got)
	}

	// Nobody new to write back: nobody is sent again.
	code, out, stderr = run(t, "", "sync", "--data-dir", dir)
	if code != ExitOK || !strings.Contains(out, "\nwritten back to Microsoft Graph: confirmed 0, failed 0, deferred 0\n") {
		t.Fatalf("exit %d, output %q, stderr %q", code, out, stderr)
	}
	if got := srv.Compromised(); len(got) != 1 {
		t.Fatalf("Graph confirmed %v after the second sync, want u1 once", got)
	}
}

// Without write-back, sync prints exactly ingest's fields.
func TestSyncOutputFileSource(t *testing.T) {
	dir := t.TempDir()
	withService(t, dir, func(svc *service.Service) error {
		in := engine.DefaultIntegration()
		in.Source = &engine.Source{File: &engine.FileSource{}}
		_, err := svc.SetIntegration(context.Background(), in)
		return err
	})
	code, out, stderr := run(t, "", "sync", "--data-dir", dir, "--output", "json")
	var sum map[string]any
	if err := json.Unmarshal([]byte(out), &sum); err != nil || code != ExitOK {
		t.Fatalf("exit %d: %v %s", code, err, stderr)
	}
	want := []string{"accepted", "alerts_created", "alerts_updated", "duplicates", "elapsed_seconds", "quarantined", "read", "updated", "users_remediated"}
	if !reflect.DeepEqual(keys(sum), want) {
		t.Fatalf("summary keys = %v, want %v", keys(sum), want)
	}
}
