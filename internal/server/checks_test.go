package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/idp/terraform-provider-idp/internal/api"
	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/server"
)

// The checks answer with the server's own rules (its source roots, the
// hosts it lets credentials go to, its policy registry), to a read token,
// and store nothing.
func TestChecksApplyTheServersRulesAndStoreNothing(t *testing.T) {
	e := newAccessEnv(t, accessOptions{graphHosts: []string{"graph.contoso.test"}})
	graphAt := func(authority string) engine.Integration {
		return accessGraphIntegration(engine.GraphSource{TenantID: "contoso.onmicrosoft.com", ClientID: "app", AuthorityURL: authority})
	}
	for _, tc := range []struct {
		name         string
		path         string
		body         any
		status       int
		field, words string
	}{
		{"integration within the rules", api.PathCheckIntegration, accessFileIntegration(filepath.Join(e.root, "d.ndjson")), http.StatusNoContent, "", ""},
		{"a file outside the roots", api.PathCheckIntegration, accessFileIntegration("/etc/passwd"), http.StatusUnprocessableEntity, "source.file.detections", "source roots"},
		{"a host credentials may not go to", api.PathCheckIntegration, graphAt("https://login.attacker.example"), http.StatusUnprocessableEntity, "source.graph.authority_url", "host not allowed"},
		{"a host the operator allowed", api.PathCheckIntegration, graphAt("https://graph.contoso.test"), http.StatusNoContent, "", ""},
		{"retention out of range", api.PathCheckIntegration, engine.Integration{Enabled: true, RetentionDays: 0}, http.StatusUnprocessableEntity, "retention_days", "outside"},
		{"a condition that does not compile", api.PathCheckPolicy, engine.Policy{Type: engine.PolicyCustom, Name: "p", Condition: "detection.nope("}, http.StatusUnprocessableEntity, "condition", ""},
		{"a setting the type does not take", api.PathCheckPolicy, engine.Policy{Type: engine.PolicyLeakedCredentials, AggregationWindow: engine.Duration(engine.DefaultAggregationWindow)}, http.StatusUnprocessableEntity, "aggregation_window", "no aggregation window"},
		{"an unknown field", api.PathCheckPolicy, map[string]any{"type": "custom", "colour": "red"}, http.StatusBadRequest, "", "colour"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := e.request(t, http.MethodPost, tc.path, accessReadToken, tc.body)
			if tc.status == http.StatusNoContent {
				if status != tc.status {
					t.Fatalf("status %d %s, want %d", status, body, tc.status)
				}
				return
			}
			accessRefused(t, status, body, tc.status, tc.field, tc.words)
		})
	}

	status, body := e.request(t, http.MethodPost, api.PathCheckPolicy, accessReadToken,
		engine.Policy{Type: engine.PolicyCustom, Name: "checked", Condition: "true", GroupBy: engine.GroupByUser})
	var p engine.Policy
	if status != http.StatusOK || json.Unmarshal(body, &p) != nil {
		t.Fatalf("a valid policy: %d %s", status, body)
	}
	if p.Severity != engine.SeverityLow || p.AggregationWindow != engine.Duration(engine.DefaultAggregationWindow) {
		t.Errorf("the checked policy %+v lacks its defaults", p)
	}

	// Nothing was stored: the integration is the default, and the checked
	// policy does not exist.
	var in engine.Integration
	if status, body := e.request(t, http.MethodGet, "/v1/integration", accessReadToken, nil); status != http.StatusOK ||
		json.Unmarshal(body, &in) != nil || in.Source != nil {
		t.Errorf("the integration after the checks: %d %s, want the default, without a source", status, body)
	}
	if status, _ := e.request(t, http.MethodGet, "/v1/policies/checked", accessReadToken, nil); status != http.StatusNotFound {
		t.Errorf("a checked policy was stored: GET answers %d", status)
	}
	// The checks are a read token's; the writes stay an admin's.
	if status, _ := e.request(t, http.MethodPut, "/v1/integration", accessReadToken, engine.DefaultIntegration()); status != http.StatusForbidden {
		t.Errorf("a read token's PUT /v1/integration: %d, want 403", status)
	}
}

func TestCheckPolicyTests(t *testing.T) {
	e := newAccessEnv(t, accessOptions{})
	high := `{"id":"d1","userId":"u1","riskEventType":"anonymizedIPAddress","riskLevel":"high","activityDateTime":"2025-06-01T00:00:00Z"}`
	req := api.PolicyTestsRequest{
		Policy: engine.Policy{Type: engine.PolicyCustom, Name: "t", Enabled: true, Condition: "detection.riskLevel == 'high'"},
		Tests:  []engine.PolicyTest{{Detection: high, ExpectAlert: true}, {Detection: high, ExpectAlert: false}},
	}
	status, body := e.request(t, http.MethodPost, api.PathCheckPolicyTests, accessReadToken, req)
	var got api.PolicyTestsAnswer
	if status != http.StatusOK || json.Unmarshal(body, &got) != nil || len(got.Results) != 2 {
		t.Fatalf("policy tests: %d %s", status, body)
	}
	if !got.Results[0].Passed || got.Results[1].Passed || got.Results[1].Index != 1 || got.Results[1].Detail == "" {
		t.Errorf("results %+v: want the first to pass and the second to fail, saying why", got.Results)
	}

	req.Tests = make([]engine.PolicyTest, api.MaxPolicyTests+1)
	status, body = e.request(t, http.MethodPost, api.PathCheckPolicyTests, accessReadToken, req)
	accessRefused(t, status, body, http.StatusBadRequest, "", fmt.Sprintf("at most %d tests", api.MaxPolicyTests))

	req.Policy.Condition = "detection.nope("
	req.Tests = req.Tests[:1]
	status, body = e.request(t, http.MethodPost, api.PathCheckPolicyTests, accessReadToken, req)
	accessRefused(t, status, body, http.StatusUnprocessableEntity, "condition", "")
}

func TestPolicyDefaults(t *testing.T) {
	e := newAccessEnv(t, accessOptions{})
	for _, tc := range []struct {
		query  string
		status int
		want   engine.Policy
	}{
		{engine.PolicyRiskySignIn, http.StatusOK, func() engine.Policy { p, _ := engine.DefaultPolicy(engine.PolicyRiskySignIn); return p }()},
		{engine.PolicyCustom, http.StatusOK, engine.Policy{Type: engine.PolicyCustom, Enabled: true, Severity: engine.SeverityLow, GroupBy: engine.GroupByDetection}},
		{engine.PolicyCustom + "/defaults?group_by=user", http.StatusOK, engine.Policy{Type: engine.PolicyCustom, Enabled: true,
			Severity: engine.SeverityLow, GroupBy: engine.GroupByUser, AggregationWindow: engine.Duration(engine.DefaultAggregationWindow)}},
		{"nonesuch", http.StatusNotFound, engine.Policy{}},
		{engine.PolicyCustom + "/defaults?colour=red", http.StatusBadRequest, engine.Policy{}},
	} {
		path := "/v1/policy-types/" + tc.query
		if !strings.Contains(tc.query, "/defaults") {
			path += "/defaults"
		}
		status, body := e.request(t, http.MethodGet, path, accessReadToken, nil)
		var got engine.Policy
		if status != tc.status || (status == http.StatusOK && (json.Unmarshal(body, &got) != nil || got != tc.want)) {
			t.Errorf("GET %s: %d %s, want %d %+v", path, status, body, tc.status, tc.want)
		}
	}
}

func TestVersion(t *testing.T) {
	f := newFixture(t, server.Config{Version: "1.2.3"})
	status, _, body := call(t, http.MethodGet, f.url+"/v1/version", tokenA, nil)
	var v api.Version
	if status != http.StatusOK || json.Unmarshal(body, &v) != nil || v != (api.Version{Version: "1.2.3", APIVersion: api.APIVersion}) {
		t.Fatalf("GET /v1/version: %d %s", status, body)
	}
	if status, _, _ := call(t, http.MethodGet, f.url+"/v1/version", "", nil); status != http.StatusUnauthorized {
		t.Errorf("GET /v1/version without a token: %d, want 401", status)
	}
}
