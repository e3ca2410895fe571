package condition

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"regexp/syntax"
	"time"
	"unicode/utf8"

	"cel.dev/cel-go/cel"
	celast "cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/env"
	"cel.dev/cel-go/common/overloads"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/interpreter"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

// The regular expressions of matches() are the one place where a single
// CEL call can run for seconds: Go's matcher is linear, but in the text
// times the pattern, and the cost limit is charged only once a call
// returns. So a pattern must be a literal, written in the condition (never
// taken from the detection, whose text an attacker may choose), of at most
// MaxPatternBytes, compiling to at most MaxPatternProgram instructions; it
// is compiled once, with the condition; and on a long text the match
// checks the evaluation's time budget as it goes.
const (
	MaxPatternBytes   = 1000
	MaxPatternProgram = 1000
	// directMatchWork bounds the work, text bytes times pattern
	// instructions, of a match run without checking the budget: at the
	// slowest rate measured (30 ns a unit) it finishes within 30 ms.
	// Go's matcher reads a string much faster than a rune reader (it skips
	// to a literal prefix), so most matches take this path.
	directMatchWork = 1 << 20
	// checkEveryRunes is how often a long match checks the budget.
	checkEveryRunes = 1024
)

// matchesOverloads are the two forms of matches(): text.matches(pattern)
// and matches(text, pattern). The member form keeps the standard overload
// ID, so the cost limit charges it as before.
const (
	matchesMember = overloads.MatchesString
	matchesGlobal = "matches_string_string"
)

// matchesLibrary replaces the standard matches() with one whose
// implementation is bound per evaluation (it needs the evaluation's
// context) and uses the patterns compiled with the condition.
func matchesLibrary() []cel.EnvOption {
	std := env.NewLibrarySubset().AddExcludedFunctions(env.NewFunction(overloads.Matches))
	return []cel.EnvOption{
		cel.StdLib(cel.StdLibSubset(std)),
		cel.Function(overloads.Matches,
			cel.MemberOverload(matchesMember, []*cel.Type{cel.StringType, cel.StringType}, cel.BoolType, cel.LateFunctionBinding()),
			cel.Overload(matchesGlobal, []*cel.Type{cel.StringType, cel.StringType}, cel.BoolType, cel.LateFunctionBinding()),
		),
	}
}

// keepMatches stops OptOptimize, which folds constants (a bad timestamp()
// literal fails at compile time, lists of literals are built once), from
// also swapping a matches() with a literal pattern for CEL's own regular
// expression call, which no budget can stop: CEL looks the swap up by
// overload first, and for these overloads the swap keeps the call as it is.
// TestMatchStopsAtItsTimeBudget fails if a CEL upgrade changes that.
var keepMatches = []*interpreter.RegexOptimization{
	{Function: overloads.Matches, OverloadID: matchesMember, RegexIndex: 1, Factory: keepCall},
	{Function: overloads.Matches, OverloadID: matchesGlobal, RegexIndex: 1, Factory: keepCall},
}

func keepCall(call interpreter.InterpretableCall, _ string) (interpreter.InterpretableCall, error) {
	return call, nil
}

// hasComprehension reports whether a checked condition has a
// comprehension (a macro such as exists or all).
func hasComprehension(ast *cel.Ast) bool {
	return len(celast.MatchDescendants(celast.NavigateAST(ast.NativeRep()), celast.KindMatcher(celast.ComprehensionKind))) > 0
}

// compilePatterns finds every matches() call of a checked condition and
// compiles its pattern, refusing patterns that are not literals or are
// over the limits.
func compilePatterns(ast *cel.Ast) (map[string]pattern, error) {
	out := map[string]pattern{}
	calls := celast.MatchDescendants(celast.NavigateAST(ast.NativeRep()), celast.FunctionMatcher(overloads.Matches))
	for _, call := range calls {
		c := call.AsCall()
		args := c.Args()
		if len(args) == 0 {
			continue
		}
		pattern := args[len(args)-1]
		lit, ok := literalString(pattern)
		if !ok {
			return nil, fmt.Errorf("%w: matches() takes a pattern written in the condition as a string literal, "+
				"such as detection.userPrincipalName.matches(\"^adm-\"), not one computed from the detection: "+
				"a pattern taken from the record could make one evaluation run for minutes", engine.ErrInvalid)
		}
		if _, done := out[lit]; done {
			continue
		}
		p, err := compilePattern(lit)
		if err != nil {
			return nil, err
		}
		out[lit] = p
	}
	return out, nil
}

func literalString(e celast.Expr) (string, bool) {
	if e.Kind() != celast.LiteralKind {
		return "", false
	}
	s, ok := e.AsLiteral().(types.String)
	return string(s), ok
}

// compilePattern checks a pattern against the limits and compiles it with
// the syntax CEL uses (RE2's, as Go's regexp).
func compilePattern(text string) (pattern, error) {
	if len(text) > MaxPatternBytes {
		return pattern{}, fmt.Errorf("%w: a matches() pattern is at most %d bytes long; this one has %d", engine.ErrInvalid, MaxPatternBytes, len(text))
	}
	parsed, err := syntax.Parse(text, syntax.Perl)
	if err != nil {
		return pattern{}, fmt.Errorf("%w: matches() pattern %q does not compile: %w", engine.ErrInvalid, clipText(text), err)
	}
	prog, err := syntax.Compile(parsed.Simplify())
	if err != nil {
		return pattern{}, fmt.Errorf("%w: matches() pattern %q does not compile: %w", engine.ErrInvalid, clipText(text), err)
	}
	if n := len(prog.Inst); n > MaxPatternProgram {
		return pattern{}, fmt.Errorf("%w: matches() pattern %q is too complex: it compiles to %d instructions, and the limit is %d "+
			"(long alternations and large repeat counts cost the most)", engine.ErrInvalid, clipText(text), n, MaxPatternProgram)
	}
	re, err := regexp.Compile(text)
	if err != nil {
		return pattern{}, fmt.Errorf("%w: matches() pattern %q does not compile: %w", engine.ErrInvalid, clipText(text), err)
	}
	return pattern{re: re, size: len(prog.Inst)}, nil
}

func clipText(s string) string {
	const max = 64
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}

// matchesFunction is matches() for one evaluation: the condition's
// compiled patterns, matched within the evaluation's budget.
func (c *Condition) matchesFunction(e *evaluation) cel.LateBoundFunction {
	return func(_ string, args ...ref.Val) ref.Val {
		if len(args) != 2 {
			return types.NoSuchOverloadErr()
		}
		text, ok1 := args[0].(types.String)
		pattern, ok2 := args[1].(types.String)
		if !ok1 || !ok2 {
			return types.NoSuchOverloadErr()
		}
		re := c.patterns[string(pattern)]
		if re.re == nil {
			// Compile saw every pattern; this guards a CEL surprise.
			return types.NewErr("matches(): pattern %q was not compiled with the condition", clipText(string(pattern)))
		}
		matched, err := re.matchWithin(e, string(text))
		if err != nil {
			return types.WrapErr(err)
		}
		return types.Bool(matched)
	}
}

// pattern is a compiled matches() pattern and the size of its program.
type pattern struct {
	re   *regexp.Regexp
	size int
}

// matchWithin matches the pattern against s, giving up once the
// evaluation is over its budget or its caller's context is done.
func (p pattern) matchWithin(e *evaluation, s string) (bool, error) {
	if len(s) <= directMatchWork/p.size {
		return p.re.MatchString(s), nil
	}
	r := &budgetedReader{e: e, s: s}
	matched := p.re.MatchReader(r)
	if r.err != nil {
		return false, r.err
	}
	return matched, nil
}

// budgetedReader hands a string to the matcher rune by rune, as MatchString
// reads it, and ends it early when the evaluation is over its budget or
// its caller gave up (err says so, and the match's answer is then
// meaningless).
type budgetedReader struct {
	e    *evaluation
	s    string
	i, n int
	err  error
}

func (r *budgetedReader) ReadRune() (rune, int, error) {
	if r.i >= len(r.s) || r.err != nil {
		return 0, 0, io.EOF
	}
	r.n++
	if r.n%checkEveryRunes == 0 {
		if err := r.e.ctx.Err(); err != nil {
			r.err = context.Cause(r.e.ctx)
			return 0, 0, io.EOF
		}
		if time.Now().After(r.e.deadline) {
			r.e.overBudget = true
			r.err = errOverBudget
			return 0, 0, io.EOF
		}
	}
	c, size := utf8.DecodeRuneInString(r.s[r.i:])
	r.i += size
	return c, size, nil
}
