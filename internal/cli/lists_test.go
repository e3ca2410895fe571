package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/service"
	"github.com/idp/terraform-provider-idp/internal/engine/store/storeopen"
)

// TestPoliciesListsCustom: `engine policies` shows custom policies with
// their condition and group_by, under the output field names of contract §5 (ARCHITECTURE.md).
func TestPoliciesListsCustom(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	svc, err := storeopen.Service(ctx, service.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	const multiline = "detection.riskEventType == \"anonymizedIPAddress\"\n\t&& detection.location.countryOrRegion != \"US\""
	for _, p := range []engine.Policy{
		{Type: "custom", Name: "anon-outside-us", Enabled: true, Condition: multiline},
		{Type: "custom", Name: "per-user", Enabled: false, Severity: "high", GroupBy: "user", RemediateRiskyUsers: true,
			AggregationWindow: engine.Duration(6 * time.Hour), Condition: `detection.riskLevel == "high"`},
	} {
		if _, err := svc.PutPolicy(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	svc.Close()

	run := func(output string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		code := Run(ctx, []string{"policies", "--data-dir", dir, "--output", output}, Env{Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }})
		if code != ExitOK {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
		return stdout.String()
	}

	var got []map[string]any
	if err := json.Unmarshal([]byte(run("json")), &got); err != nil {
		t.Fatal(err)
	}
	want := []map[string]any{
		{"type": "leaked_credentials", "name": "leaked_credentials", "enabled": true, "severity": "low", "aggregation_window": "", "remediate_risky_users": false},
		{"type": "risky_sign_in", "name": "risky_sign_in", "enabled": true, "severity": "high", "aggregation_window": "24h0m0s", "remediate_risky_users": false},
		{"type": "custom", "name": "anon-outside-us", "enabled": true, "severity": "low", "aggregation_window": "", "remediate_risky_users": false,
			"condition": multiline, "group_by": "detection"},
		{"type": "custom", "name": "per-user", "enabled": false, "severity": "high", "aggregation_window": "6h0m0s", "remediate_risky_users": true,
			"condition": `detection.riskLevel == "high"`, "group_by": "user"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d policies, want %d: %v", len(got), len(want), got)
	}
	for i := range want {
		if len(got[i]) != len(want[i]) {
			t.Errorf("policy %d has fields %v, want %v", i, got[i], want[i])
		}
		for k, v := range want[i] {
			if got[i][k] != v {
				t.Errorf("policy %d: %s = %#v, want %#v", i, k, got[i][k], v)
			}
		}
	}

	table := strings.Split(strings.TrimRight(run("table"), "\n"), "\n")
	if len(table) != 5 {
		t.Fatalf("table has %d lines, want a header and 4 rows:\n%s", len(table), strings.Join(table, "\n"))
	}
	row := table[3]
	for _, want := range []string{"custom", "anon-outside-us", "detection", `detection.riskEventType == "anonymizedIPAddress" && detection.location.countryOrRegion != "US"`} {
		if !strings.Contains(row, want) {
			t.Errorf("row %q does not contain %q", row, want)
		}
	}
}
