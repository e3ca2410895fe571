// Package condition compiles and evaluates the CEL condition of a custom
// policy. A condition sees one variable, detection, holding every field of a
// Graph riskDetection under its Graph name, and must return a bool.
//
// Absent values read as zero values, never as errors, because Graph leaves
// many fields out and one sparse record must not stop ingestion:
//
//   - absent or null text is "" (the engine stores it so);
//   - an absent location reads as an empty location, so
//     detection.location.countryOrRegion is "" and
//     detection.location.geoCoordinates.latitude is 0.0;
//   - an absent time reads as the Unix epoch, 1970-01-01T00:00:00Z, so it is
//     older than any timestamp a condition compares it with.
//
// has() tells absent from present: has(detection.location) is false when
// Graph sent no location, has(detection.riskDetail) is false for "" and
// has(detection.detectedDateTime) for the zero time. Comparing an object
// with null is always false, so test objects with has(), not with null.
package condition

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common"
	"cel.dev/cel-go/common/functions"
	"cel.dev/cel-go/common/overloads"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/ext"
	"cel.dev/cel-go/interpreter"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

// Variable is the name a condition uses for the detection it is given.
const Variable = "detection"

// detectionType is the CEL name of engine.Detection: cel-go names a native
// struct after its Go package and type.
const detectionType = "engine.Detection"

// CostLimit bounds the work of one evaluation, in CEL cost units: about one
// per field read, comparison or comprehension step, more for string
// operations in proportion to the string's length. Typical conditions cost
// under 200; contains() or matches() over a 1 MiB additionalInfo (the
// largest record ingest accepts) about 21,000 and 79,000; split() and a scan
// of a 10 KiB additionalInfo about 37,000. At the slowest measured rate
// (~50 ns a unit, nested comprehensions that allocate) the limit stops a
// pathological condition after about 5 ms of one detection's ingest.
const CostLimit = 100_000

// EvalBudget bounds the time of one evaluation, whatever it does: the cost
// limit is an estimate charged as calls return, which a regular expression
// over a long text outruns. Evaluation checks the budget every
// interruptEvery steps of a comprehension and as matches() reads a long
// text. Real conditions take microseconds, and the heaviest the cost limit
// lets through (a scan of a 1 MiB record) tens of milliseconds; the budget
// is far above them, so that a busy machine does not change what a
// condition selects.
const EvalBudget = time.Second

// interruptEvery is how many comprehension steps run between checks of the
// budget.
const interruptEvery = 100

// stringsLibraryVersion pins the CEL strings extension (split, lowerAscii,
// ...) so that a cel-go upgrade cannot change what a stored condition means.
// Version 5 is the first one whose functions are charged to the cost limit.
const stringsLibraryVersion = 5

var (
	// ErrEvaluation wraps every error Match returns: the condition could not
	// decide for this detection. Callers count it as no match and report it;
	// it never stops a batch.
	ErrEvaluation = errors.New("condition evaluation failed")
	// ErrCostLimitExceeded: the evaluation was stopped at CostLimit.
	ErrCostLimitExceeded = errors.New("condition exceeded its evaluation cost limit")
	// ErrBudgetExceeded: the evaluation was stopped at EvalBudget.
	ErrBudgetExceeded = errors.New("condition exceeded its evaluation time budget")
)

// Condition is a compiled CEL condition. It is safe for concurrent use.
type Condition struct {
	source  string
	program cel.Program
	// patterns are the condition's matches() patterns, compiled.
	patterns map[string]pattern
	// loops is set when the condition has a comprehension (exists, all,
	// map, filter...), whose steps check the budget.
	loops bool
}

// environment is built once: declaring the native types walks the detection
// structs by reflection, which is too slow to repeat for every Compile.
var environment = sync.OnceValues(func() (*cel.Env, error) {
	return cel.NewCustomEnv(append(matchesLibrary(),
		cel.Types(cel.NativeTypeFor[engine.Detection](types.ParseStructTag("json"))),
		cel.Variable(Variable, cel.ObjectType(detectionType)),
		ext.Strings(ext.StringsVersion(stringsLibraryVersion)),
		// So that detection.location.geoCoordinates.latitude > 50 compiles:
		// coordinates are doubles, and people write integer literals.
		cel.CrossTypeNumericComparisons(true),
		// A bad literal such as timestamp("June 1st") fails here, not on
		// every detection.
		cel.ASTValidators(cel.ValidateTimestampLiterals(), cel.ValidateDurationLiterals()),
	)...)
})

// Compile parses and type-checks expr. The error wraps engine.ErrInvalid
// and carries CEL's own message, with line and column.
func Compile(expr string) (*Condition, error) {
	if strings.TrimSpace(expr) == "" {
		return nil, fmt.Errorf("%w: condition is empty: write a CEL expression over %s that returns a bool", engine.ErrInvalid, Variable)
	}
	env, err := environment()
	if err != nil {
		return nil, fmt.Errorf("condition: building the CEL environment: %w", err)
	}
	ast, iss := env.CompileSource(common.NewStringSource(expr, "condition"))
	if err := iss.Err(); err != nil {
		return nil, fmt.Errorf("%w: condition does not compile:\n%w", engine.ErrInvalid, err)
	}
	if !ast.OutputType().IsExactType(cel.BoolType) {
		return nil, fmt.Errorf("%w: condition must return a bool, but %q returns %s", engine.ErrInvalid, expr, cel.FormatCELType(ast.OutputType()))
	}
	patterns, err := compilePatterns(ast)
	if err != nil {
		return nil, err
	}
	program, err := env.Program(ast, cel.EvalOptions(cel.OptOptimize), cel.OptimizeRegex(keepMatches...),
		cel.CostLimit(CostLimit), cel.InterruptCheckFrequency(interruptEvery))
	if err != nil {
		return nil, fmt.Errorf("%w: condition does not compile: %w", engine.ErrInvalid, err)
	}
	return &Condition{source: expr, program: program, patterns: patterns, loops: hasComprehension(ast)}, nil
}

// Match reports whether d satisfies the condition, within EvalBudget of
// ctx. Every error wraps ErrEvaluation, and also ErrCostLimitExceeded or
// ErrBudgetExceeded when a limit stopped it; when ctx itself ends, the
// error wraps ctx's error instead.
func (c *Condition) Match(ctx context.Context, d *engine.Detection) (bool, error) {
	if c == nil || c.program == nil {
		return false, fmt.Errorf("%w: the condition was not compiled", ErrEvaluation)
	}
	if d == nil {
		return false, fmt.Errorf("%w: no detection", ErrEvaluation)
	}
	e := &evaluation{ctx: ctx, deadline: time.Now().Add(EvalBudget)}
	act := activation{detection: d, matches: c.matchesFunction(e)}
	var out ref.Val
	var err error
	if c.loops {
		// Comprehensions check the budget every interruptEvery steps. A
		// condition without any runs a few calls, which the cost limit
		// and matches() bound, and skips the context's cost.
		loopCtx, cancel := context.WithDeadlineCause(ctx, e.deadline, errOverBudget)
		defer cancel()
		out, _, err = c.program.ContextEval(loopCtx, act)
		if errors.Is(context.Cause(loopCtx), errOverBudget) {
			e.overBudget = true
		}
	} else {
		out, _, err = c.program.Eval(act)
	}
	if err != nil {
		// The budget and the caller first: a call they stopped may then
		// also be charged past the cost limit, which is not why it stopped.
		var cancelled interpreter.EvalCancelledError
		switch {
		case e.overBudget:
			return false, fmt.Errorf("%w on detection %s: %w (%s)", ErrEvaluation, d.ID, ErrBudgetExceeded, EvalBudget)
		case ctx.Err() != nil:
			// The caller gave up (an ingest being stopped): not the
			// condition's fault, and not an answer.
			return false, fmt.Errorf("%w on detection %s: %w", ErrEvaluation, d.ID, context.Cause(ctx))
		case errors.As(err, &cancelled) && cancelled.Cause == interpreter.CostLimitExceeded:
			return false, fmt.Errorf("%w on detection %s: %w (%d)", ErrEvaluation, d.ID, ErrCostLimitExceeded, CostLimit)
		}
		return false, fmt.Errorf("%w on detection %s: %w", ErrEvaluation, d.ID, err)
	}
	b, ok := out.(types.Bool)
	if !ok {
		// Compile admits only bool conditions; this guards a CEL surprise.
		return false, fmt.Errorf("%w on detection %s: result is %s, not a bool", ErrEvaluation, d.ID, out.Type())
	}
	return bool(b), nil
}

// evaluation is the state of one Match: its caller's context, its
// deadline, and whether the budget stopped it.
type evaluation struct {
	ctx        context.Context
	deadline   time.Time
	overBudget bool
}

// errOverBudget is the cause of an evaluation's context ending at
// EvalBudget, told apart from the caller's own cancellation.
var errOverBudget = errors.New("over budget")

// String is the condition's source text, as written.
func (c *Condition) String() string {
	if c == nil {
		return ""
	}
	return c.source
}

// activation hands the detection to CEL without building a map per call,
// and binds matches() for this evaluation.
type activation struct {
	detection *engine.Detection
	matches   cel.LateBoundFunction
}

func (a activation) ResolveName(name string) (any, bool) {
	if name == Variable {
		return a.detection, true
	}
	return nil, false
}

func (a activation) Parent() interpreter.Activation { return nil }

func (a activation) ResolveFunction(name string) (functions.LateBoundOp, bool) {
	if name == overloads.Matches {
		return a.matches, true
	}
	return nil, false
}
