package api

import "github.com/idp/terraform-provider-idp/internal/engine"

// The checks apply the engine's rules to settings without storing them,
// so that a plan is judged by the rules of the engine that will apply it
// (in remote mode, the server's, not the provider binary's). They read
// nothing and write nothing, so a read token may send them:
//
//	POST /v1/checks/integration           engine.Integration -> 204, or the write's error
//	POST /v1/checks/policy                engine.Policy -> the policy with its defaults filled
//	POST /v1/checks/policy-tests          PolicyTestsRequest -> PolicyTestsAnswer
//	GET  /v1/policy-types/{type}/defaults ?group_by=... -> engine.Policy
const (
	PathCheckIntegration = "/v1/checks/integration"
	PathCheckPolicy      = "/v1/checks/policy"
	PathCheckPolicyTests = "/v1/checks/policy-tests"
	ParamGroupBy         = "group_by"
)

// PolicyDefaultsPath is the route of a type's defaults; the type is
// escaped by the caller.
func PolicyDefaultsPath(escapedType string) string {
	return "/v1/policy-types/" + escapedType + "/defaults"
}

// MaxPolicyTests is the most inline tests one request runs: each runs a
// condition within its own time budget, so their number bounds the time
// a request takes. The client sends longer lists a part at a time.
const MaxPolicyTests = 100

// PolicyTestsRequest runs inline tests against a policy as configured.
type PolicyTestsRequest struct {
	Policy engine.Policy       `json:"policy"`
	Tests  []engine.PolicyTest `json:"tests"`
}

// PolicyTestsAnswer holds one result per test, in the request's order.
type PolicyTestsAnswer struct {
	Results []engine.PolicyTestResult `json:"results"`
}
