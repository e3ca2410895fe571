package policy

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

// graph builds a Graph riskDetection's JSON from required fields plus extra
// members (already JSON-encoded values).
func graph(extra ...string) string {
	members := []string{`"id":"det-1"`, `"userId":"user-1"`, `"activityDateTime":"2025-06-14T03:25:41Z"`}
	return "{" + strings.Join(append(members, extra...), ",") + "}"
}

func TestRunTests(t *testing.T) {
	anonOutsideUS := engine.Policy{Type: "custom", Name: "anon", Enabled: true, Severity: "medium",
		Condition: `detection.riskEventType == "anonymizedIPAddress" && detection.location.countryOrRegion != "US"`}
	anonByUser := anonOutsideUS
	anonByUser.GroupBy = "user"
	disabled := anonOutsideUS
	disabled.Enabled = false
	leaked := engine.Policy{Type: "leaked_credentials", Enabled: true}
	risky := engine.Policy{Type: "risky_sign_in", Enabled: true}

	anonNL := graph(`"riskEventType":"anonymizedIPAddress"`, `"riskLevel":"high"`, `"location":{"countryOrRegion":"NL"}`)
	anonUS := graph(`"riskEventType":"anonymizedIPAddress"`, `"riskLevel":"high"`, `"location":{"countryOrRegion":"US"}`)
	anonLow := graph(`"riskEventType":"anonymizedIPAddress"`, `"riskLevel":"low"`)
	huge := graph(`"riskEventType":"x"`, `"additionalInfo":"`+strings.Repeat("a", 1<<20)+`"`)

	tests := []struct {
		name    string
		policy  engine.Policy
		test    engine.PolicyTest
		passed  bool
		alerted bool
		detail  string // the whole Detail
	}{
		// Custom policies.
		{"custom alerts as expected", anonOutsideUS, engine.PolicyTest{Detection: anonNL, ExpectAlert: true}, true, true,
			`the policy alerts with severity "high", as expected`},
		{"custom grouped by user alerts alone", anonByUser, engine.PolicyTest{Detection: anonNL, ExpectAlert: true}, true, true,
			`the policy alerts with severity "high", as expected`},
		{"absent location is not US", anonOutsideUS, engine.PolicyTest{Detection: graph(`"riskEventType":"anonymizedIPAddress"`, `"riskLevel":"medium"`), ExpectAlert: true},
			true, true, `the policy alerts with severity "medium", as expected`},
		{"condition did not match", anonOutsideUS, engine.PolicyTest{Detection: anonUS, ExpectAlert: true}, false, false,
			"expected an alert, but the condition did not match"},
		{"condition did not match, as expected", anonOutsideUS, engine.PolicyTest{Detection: anonUS}, true, false,
			"no alert, as expected: the condition did not match"},
		{"below threshold", anonOutsideUS, engine.PolicyTest{Detection: anonLow, ExpectAlert: true}, false, false,
			`expected an alert, but the detection's riskLevel "low" is below the policy's threshold "medium"`},
		{"unexpected alert", anonOutsideUS, engine.PolicyTest{Detection: anonNL}, false, true,
			`expected no alert, but the policy selects the detection and its riskLevel "high" reaches the policy's threshold "medium"`},
		{"disabled", disabled, engine.PolicyTest{Detection: anonNL, ExpectAlert: true}, false, false,
			"expected an alert, but the policy is disabled"},
		{"disabled, expected", disabled, engine.PolicyTest{Detection: anonNL}, true, false,
			"no alert, as expected: the policy is disabled"},
		{"every reason at once", disabled, engine.PolicyTest{Detection: graph(`"riskEventType":"x"`, `"riskLevel":"low"`), ExpectAlert: true}, false, false,
			`expected an alert, but the condition did not match, and the detection's riskLevel "low" is below the policy's threshold "medium", and the policy is disabled`},
		{"hidden level never alerts", anonOutsideUS, engine.PolicyTest{Detection: graph(`"riskEventType":"anonymizedIPAddress"`, `"riskLevel":"hidden"`), ExpectAlert: true},
			false, false, `expected an alert, but the detection's riskLevel "hidden" never alerts (only low, medium, high do)`},
		{"no level never alerts", anonOutsideUS, engine.PolicyTest{Detection: graph(`"riskEventType":"anonymizedIPAddress"`, `"riskLevel":null`), ExpectAlert: true},
			false, false, "expected an alert, but the detection has no riskLevel, so it never alerts"},

		// Detections ingest would quarantine fail whatever they expect.
		{"missing userId", anonOutsideUS, engine.PolicyTest{Detection: `{"id":"d","riskEventType":"x","activityDateTime":"2025-06-14T03:25:41Z"}`},
			false, false, "the detection would be quarantined: userId is missing"},
		{"bad time", anonOutsideUS, engine.PolicyTest{Detection: graph(`"riskEventType":"x"`, `"detectedDateTime":"yesterday"`), ExpectAlert: true},
			false, false, `the detection would be quarantined: detectedDateTime is not an ISO-8601 time: "yesterday"`},
		{"not an object", anonOutsideUS, engine.PolicyTest{Detection: `[1]`}, false, false,
			"the detection would be quarantined: not a JSON object (it is array)"},
		{"too large", anonOutsideUS, engine.PolicyTest{Detection: huge}, false, false,
			fmt.Sprintf("the detection would be quarantined: it is larger than the maximum record size of 1048576 bytes (it has %d)", len(huge))},

		// Built-ins, through the same function.
		{"leaked credentials alert", leaked, engine.PolicyTest{Detection: graph(`"riskEventType":"leakedCredentials"`, `"riskLevel":"low"`), ExpectAlert: true},
			true, true, `the policy alerts with severity "low", as expected`},
		{"leaked credentials: other type", leaked, engine.PolicyTest{Detection: anonNL, ExpectAlert: true}, false, false,
			`expected an alert, but the policy selects only riskEventType "leakedCredentials", and the detection's is "anonymizedIPAddress"`},
		{"risky sign-in below its default high", risky, engine.PolicyTest{Detection: graph(`"riskEventType":"unfamiliarFeatures"`, `"activity":"signin"`, `"riskLevel":"medium"`), ExpectAlert: true},
			false, false, `expected an alert, but the detection's riskLevel "medium" is below the policy's threshold "high"`},
		{"risky sign-in: not a sign-in", risky, engine.PolicyTest{Detection: graph(`"riskEventType":"unfamiliarFeatures"`, `"activity":"user"`, `"riskLevel":"high"`), ExpectAlert: true},
			false, false, `expected an alert, but the policy selects only detections with activity "signin", and the detection's is "user"`},
		{"risky sign-in leaves leaked credentials", risky, engine.PolicyTest{Detection: graph(`"riskEventType":"leakedCredentials"`, `"activity":"signin"`, `"riskLevel":"high"`)},
			true, false, `no alert, as expected: the policy leaves riskEventType "leakedCredentials" to the leaked_credentials policy`},
		{"risky sign-in alerts", risky, engine.PolicyTest{Detection: graph(`"riskType":"unfamiliarFeatures"`, `"activity":"signin"`, `"riskLevel":"high"`), ExpectAlert: true},
			true, true, `the policy alerts with severity "high", as expected`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Each case runs second in a list of two, so the index is checked.
			first := engine.PolicyTest{Detection: anonNL}
			rs, err := RunTests(tt.policy, []engine.PolicyTest{first, tt.test})
			if err != nil {
				t.Fatal(err)
			}
			if len(rs) != 2 {
				t.Fatalf("%d results, want 2", len(rs))
			}
			r := rs[1]
			if r.Index != 1 || r.Passed != tt.passed || r.Alerted != tt.alerted || r.Detail != tt.detail {
				t.Errorf("result = %+v\nwant index 1, passed %v, alerted %v, detail %q", r, tt.passed, tt.alerted, tt.detail)
			}
			if want := "tests[1]: " + tt.detail; r.Message() != want {
				t.Errorf("Message = %q, want %q", r.Message(), want)
			}
		})
	}
}

func TestRunTestsEvaluationError(t *testing.T) {
	p := engine.Policy{Type: "custom", Name: "p", Enabled: true,
		Condition: strings.Repeat(`[0,1,2,3,4,5,6,7,8,9].all(x, `, 8) + `true` + strings.Repeat(`)`, 8)}
	for _, expect := range []bool{true, false} {
		t.Run(fmt.Sprint("expect ", expect), func(t *testing.T) {
			rs, err := RunTests(p, []engine.PolicyTest{{Detection: graph(`"riskEventType":"x"`, `"riskLevel":"high"`), ExpectAlert: expect}})
			if err != nil {
				t.Fatal(err)
			}
			r := rs[0]
			if r.Passed || r.Alerted {
				t.Errorf("result = %+v, want a failure", r)
			}
			for _, want := range []string{"the condition could not be evaluated on the detection", "det-1", "cost limit"} {
				if !strings.Contains(r.Detail, want) {
					t.Errorf("detail %q does not contain %q", r.Detail, want)
				}
			}
		})
	}
}

func TestRunTestsInvalidPolicy(t *testing.T) {
	rs, err := RunTests(engine.Policy{Type: "custom", Name: "p", Condition: `detection.nope`}, []engine.PolicyTest{{Detection: graph()}})
	var fe *engine.FieldError
	if rs != nil || !errors.As(err, &fe) || fe.Field != "condition" {
		t.Errorf("RunTests = %v, %v; want no results and a condition FieldError", rs, err)
	}
	rs, err = RunTests(engine.Policy{Type: "custom", Name: "p", Condition: "true"}, nil)
	if err != nil || len(rs) != 0 {
		t.Errorf("RunTests without tests = %v, %v", rs, err)
	}
}
