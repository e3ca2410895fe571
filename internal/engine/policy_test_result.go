package engine

import "fmt"

// PolicyTestResult is the outcome of one inline test of a policy
// (PolicyTest), as the registry judges it and as the API answers it.
type PolicyTestResult struct {
	// Index is the test's position in the list, from 0, as in the
	// attribute path tests[Index].
	Index int `json:"index"`
	// Passed: the policy's verdict matched the test's expect_alert.
	Passed bool `json:"passed"`
	// Alerted: the policy, as configured, would raise an alert on the
	// detection alone.
	Alerted bool `json:"alerted"`
	// Detail says what happened, as a sentence without the index: why the
	// policy alerted or not, or why the test could not run.
	Detail string `json:"detail"`
}

// Message is the result as one line that names the test, e.g.
// `tests[2]: expected an alert, but the condition did not match`.
func (r PolicyTestResult) Message() string {
	return fmt.Sprintf("tests[%d]: %s", r.Index, r.Detail)
}
