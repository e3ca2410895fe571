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
	"errors"
	"fmt"
	"strings"
	"sync"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common"
	"cel.dev/cel-go/common/types"
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
)

// Condition is a compiled CEL condition. It is safe for concurrent use.
type Condition struct {
	source  string
	program cel.Program
}

// environment is built once: declaring the native types walks the detection
// structs by reflection, which is too slow to repeat for every Compile.
var environment = sync.OnceValues(func() (*cel.Env, error) {
	return cel.NewEnv(
		cel.Types(cel.NativeTypeFor[engine.Detection](types.ParseStructTag("json"))),
		cel.Variable(Variable, cel.ObjectType(detectionType)),
		ext.Strings(ext.StringsVersion(stringsLibraryVersion)),
		// So that detection.location.geoCoordinates.latitude > 50 compiles:
		// coordinates are doubles, and people write integer literals.
		cel.CrossTypeNumericComparisons(true),
	)
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
	program, err := env.Program(ast, cel.EvalOptions(cel.OptOptimize), cel.CostLimit(CostLimit))
	if err != nil {
		// Planning folds constants, so a bad literal such as
		// timestamp("June 1st") is caught here.
		return nil, fmt.Errorf("%w: condition does not compile: %w", engine.ErrInvalid, err)
	}
	return &Condition{source: expr, program: program}, nil
}

// Match reports whether d satisfies the condition. Every error wraps
// ErrEvaluation, and ErrCostLimitExceeded too when the cost limit stopped it.
func (c *Condition) Match(d *engine.Detection) (bool, error) {
	if c == nil || c.program == nil {
		return false, fmt.Errorf("%w: the condition was not compiled", ErrEvaluation)
	}
	if d == nil {
		return false, fmt.Errorf("%w: no detection", ErrEvaluation)
	}
	out, _, err := c.program.Eval(activation{d})
	if err != nil {
		var cancelled interpreter.EvalCancelledError
		if errors.As(err, &cancelled) && cancelled.Cause == interpreter.CostLimitExceeded {
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

// String is the condition's source text, as written.
func (c *Condition) String() string {
	if c == nil {
		return ""
	}
	return c.source
}

// activation hands the detection to CEL without building a map per call.
type activation struct{ detection *engine.Detection }

func (a activation) ResolveName(name string) (any, bool) {
	if name == Variable {
		return a.detection, true
	}
	return nil, false
}

func (a activation) Parent() interpreter.Activation { return nil }
