package condition

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

// manyTerms is a 4000-term alternation, the pattern of the review that
// found one evaluation taking 15 seconds on a 200 KB additionalInfo.
func manyTerms() string {
	terms := make([]string, 4000)
	for i := range terms {
		terms[i] = fmt.Sprintf("term%04d", i)
	}
	return strings.Join(terms, "|")
}

// Patterns must be literals within the limits; the rest is refused when
// the condition is compiled, which is plan time for Terraform.
func TestCompileRefusesUnboundedPatterns(t *testing.T) {
	tests := []struct {
		name      string
		condition string
		want      string
	}{
		{"pattern from the detection", `detection.userDisplayName.matches(detection.additionalInfo)`, "matches() takes a pattern written in the condition"},
		{"pattern from the detection, global form", `matches(detection.userDisplayName, detection.additionalInfo)`, "matches() takes a pattern written in the condition"},
		{"pattern built from the detection", `detection.userPrincipalName.matches("^" + detection.userId)`, "matches() takes a pattern written in the condition"},
		{"pattern inside a comprehension", `detection.additionalInfo.split(",").exists(s, s.matches(s))`, "matches() takes a pattern written in the condition"},
		{"4000-term pattern", fmt.Sprintf(`detection.additionalInfo.matches(%q)`, manyTerms()), "a matches() pattern is at most 1000 bytes long; this one has 35999"},
		{"short pattern, huge program", `detection.additionalInfo.matches("(?:a?){600}b")`, "is too complex: it compiles to"},
		{"pattern that does not compile", `detection.userDisplayName.matches("(unclosed")`, "does not compile: error parsing regexp: missing closing )"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Compile(tt.condition)
			if err == nil {
				t.Fatalf("Compile accepted %.80q: %v", tt.condition, c)
			}
			if !errors.Is(err, engine.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q does not wrap ErrInvalid and say %q", err, tt.want)
			}
		})
	}
}

// Literal patterns within the limits behave as CEL's matches() does, on
// short texts and on long ones (which are read with budget checks).
func TestMatchesLiteralPatterns(t *testing.T) {
	long := strings.Repeat("a", 10_000) + "needle" + "\xff" + strings.Repeat("é", 3000)
	tests := []struct {
		condition string
		info      string
		want      bool
	}{
		{`detection.userDisplayName.matches("^Alice ")`, "", true},
		{`matches(detection.userDisplayName, "^Alice ")`, "", true},
		{`matches(detection.userDisplayName, "^Bob")`, "", false},
		{`detection.additionalInfo.matches("needle")`, long, true},
		{`detection.additionalInfo.matches("^a+needle\\xff?é+$")`, long, false}, // \xff is no valid UTF-8: read as U+FFFD
		{`detection.additionalInfo.matches("^a+needle\\x{FFFD}é+$")`, long, true},
		{`detection.additionalInfo.matches("haystack")`, long, false},
		{`["a", "b"].exists(x, detection.additionalInfo.matches("needle"))`, long, true},
	}
	for _, tt := range tests {
		t.Run(tt.condition, func(t *testing.T) {
			c, err := Compile(tt.condition)
			if err != nil {
				t.Fatal(err)
			}
			d := with(full(), func(d *engine.Detection) { d.AdditionalInfo = tt.info })
			got, err := c.Match(context.Background(), d)
			if err != nil || got != tt.want {
				t.Fatalf("Match = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

// A pattern within the limits can still take seconds on a long text (this
// one about eight seconds on a 900 KB additionalInfo without the budget): the
// evaluation stops at its time budget, and says so.
func TestMatchStopsAtItsTimeBudget(t *testing.T) {
	for _, expr := range []string{
		`detection.additionalInfo.matches("(?:.?){490}Q")`,
		`["a", "b"].exists(x, detection.additionalInfo.matches("(?:.?){490}Q"))`,
	} {
		c, err := Compile(expr)
		if err != nil {
			t.Fatal(err)
		}
		d := with(full(), func(d *engine.Detection) { d.AdditionalInfo = strings.Repeat(`{"k":"v"},`, 90_000) })
		got, err := c.Match(context.Background(), d)
		if got || !errors.Is(err, ErrBudgetExceeded) || !errors.Is(err, ErrEvaluation) || errors.Is(err, ErrCostLimitExceeded) {
			t.Fatalf("%s: Match = %v, %v; want ErrBudgetExceeded wrapped in ErrEvaluation", expr, got, err)
		}
		if !strings.Contains(err.Error(), d.ID) {
			t.Errorf("error %q does not name the detection", err)
		}
	}
}

// When the caller gives up (an ingest being stopped), evaluation stops and
// the error says so rather than blaming the budget.
func TestMatchStopsWhenTheCallerGivesUp(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, expr := range []string{
		`detection.additionalInfo.matches("(?:.?){490}Q")`,
		`detection.additionalInfo.split(",").exists(a, a == "zz")`,
	} {
		c, err := Compile(expr)
		if err != nil {
			t.Fatal(err)
		}
		d := with(full(), func(d *engine.Detection) { d.AdditionalInfo = strings.Repeat(`{"k":"v"},`, 90_000) })
		got, err := c.Match(ctx, d)
		if got || !errors.Is(err, context.Canceled) || errors.Is(err, ErrBudgetExceeded) {
			t.Fatalf("%s: Match = %v, %v; want context.Canceled", expr, got, err)
		}
	}
}
