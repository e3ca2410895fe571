package provider

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/idp/terraform-provider-idp/internal/client"
	"github.com/idp/terraform-provider-idp/internal/engine"
)

// A store that holds no settings while resources read from it: one warning
// per provider instance, naming the data directory; none once the store
// holds settings.
func TestWarnIfStoreNew(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "lost-store")
	c, err := client.NewEmbedded(ctx, client.EmbeddedConfig{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	conn := &engineConn{Client: c, cfg: clientConfig{DataDir: dir}}
	var diags diag.Diagnostics
	for range 3 {
		conn.warnIfStoreNew(ctx, &diags)
	}
	if diags.HasError() || diags.WarningsCount() != 1 {
		t.Fatalf("diagnostics %v: want one warning for three reads", diags)
	}
	w := diags.Warnings()[0]
	if w.Summary() != "The idp Engine's Store Is New" || !strings.Contains(w.Detail(), dir) || !strings.Contains(w.Detail(), "data_dir") {
		t.Fatalf("warning %q: %q does not name the data directory and how to keep it", w.Summary(), w.Detail())
	}

	if _, err := c.CreatePolicy(ctx, engine.Policy{Type: engine.PolicyRiskySignIn, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	configured := &engineConn{Client: c, cfg: clientConfig{DataDir: dir}}
	diags = nil
	configured.warnIfStoreNew(ctx, &diags)
	if len(diags) != 0 {
		t.Fatalf("a store with settings warned: %v", diags)
	}
}
