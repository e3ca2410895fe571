package provider

import (
	"bytes"
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"
)

// Engine lines reach Terraform's log through the tflog subsystem, with the
// hclog logger's name and arguments as fields.
func TestEngineLoggerBridgesToTflog(t *testing.T) {
	var out bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &out)
	log := engineLogger(ctx)
	log.Named("remediate").Warn("user set to high risk", "user_id", "u1", "actions", []string{"require_mfa"})

	lines, err := tflogtest.MultilineJSONDecode(&out)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 1 {
		t.Fatalf("got %d log lines, want 1: %v", len(lines), lines)
	}
	l := lines[0]
	want := map[string]any{
		"@level":        "warn",
		"@message":      "user set to high risk",
		"@module":       "provider.engine",
		"engine_logger": "engine.remediate",
		"user_id":       "u1",
	}
	for k, v := range want {
		if l[k] != v {
			t.Errorf("%s = %v, want %v (line %v)", k, l[k], v, l)
		}
	}
}
