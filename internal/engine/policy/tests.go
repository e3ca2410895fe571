package policy

import (
	"context"
	"fmt"
	"strings"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest"
)

// TestResult is the outcome of one inline test of a policy (the engine's
// type, which the API answers too).
type TestResult = engine.PolicyTestResult

// explainer is implemented by plugins that can say, in a user's words, why
// their selector left a detection out. Types without it get a generic
// sentence.
type explainer interface {
	unselected(p engine.Policy, d *engine.Detection) string
}

// RunTests runs inline tests against a policy as configured: each test's
// detection is decoded and validated exactly as ingest does, then judged
// alone by the policy's selector, threshold and enabled flag, as a group of
// one member would be. It reads no store, so it can run at plan time.
//
// A detection that ingest would quarantine, or on which the condition fails
// to evaluate, fails its test whatever it expects: such a test checks
// nothing. The error is the policy's own validation error (a FieldError),
// returned when the policy cannot be compiled; no test runs then.
func RunTests(p engine.Policy, tests []engine.PolicyTest) ([]TestResult, error) {
	c, err := Compile(p)
	if err != nil {
		return nil, err
	}
	plugin, err := Lookup(c.Policy.Type)
	if err != nil {
		return nil, err
	}
	var dec ingest.DetectionDecoder
	out := make([]TestResult, len(tests))
	for i, t := range tests {
		out[i] = runTest(c, plugin, &dec, t)
		out[i].Index = i
	}
	return out, nil
}

func runTest(c *Compiled, plugin Plugin, dec *ingest.DetectionDecoder, t engine.PolicyTest) TestResult {
	fail := func(format string, args ...any) TestResult {
		return TestResult{Detail: fmt.Sprintf(format, args...)}
	}
	if len(t.Detection) > ingest.DefaultMaxRecordBytes {
		return fail("the detection would be quarantined: it is larger than the maximum record size of %d bytes (it has %d)",
			ingest.DefaultMaxRecordBytes, len(t.Detection))
	}
	d, rerr := dec.Decode([]byte(t.Detection))
	if rerr != nil {
		return fail("the detection would be quarantined: %s", rerr.Reason)
	}
	// Tests run at plan time, each within the condition's own time budget.
	selected, err := c.selector(context.Background(), &d)
	if err != nil {
		return fail("the condition could not be evaluated on the detection, so ingest would store it without selecting it: %s",
			err)
	}

	// Every reason the policy does not alert, in the order ingest meets
	// them, so one run tells the whole story.
	var reasons []string
	if !selected {
		reasons = append(reasons, unselected(plugin, c.Policy, &d))
	}
	sev := d.Severity()
	switch {
	case d.RiskLevel == "":
		reasons = append(reasons, "the detection has no riskLevel, so it never alerts")
	case sev == "":
		reasons = append(reasons, fmt.Sprintf("the detection's riskLevel %q never alerts (only %s do)", d.RiskLevel, strings.Join(engine.SeverityNames(), ", ")))
	case !c.Alerts(sev):
		reasons = append(reasons, fmt.Sprintf("the detection's riskLevel %q is below the policy's threshold %q", d.RiskLevel, c.Policy.Severity))
	}
	if !c.Policy.Enabled {
		reasons = append(reasons, "the policy is disabled")
	}

	r := TestResult{Alerted: len(reasons) == 0}
	r.Passed = r.Alerted == t.ExpectAlert
	switch {
	case r.Alerted && t.ExpectAlert:
		r.Detail = fmt.Sprintf("the policy alerts with severity %q, as expected", sev)
	case r.Alerted:
		r.Detail = fmt.Sprintf("expected no alert, but the policy selects the detection and its riskLevel %q reaches the policy's threshold %q", d.RiskLevel, c.Policy.Severity)
	case t.ExpectAlert:
		r.Detail = "expected an alert, but " + strings.Join(reasons, ", and ")
	default:
		r.Detail = "no alert, as expected: " + strings.Join(reasons, ", and ")
	}
	return r
}

func unselected(plugin Plugin, p engine.Policy, d *engine.Detection) string {
	if e, ok := plugin.(explainer); ok {
		return e.unselected(p, d)
	}
	return fmt.Sprintf("the %s policy does not select the detection", p.ID())
}
