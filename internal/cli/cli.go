// Package cli is the engine's command line: `terraform-provider-idp engine
// <command>`. Tests and benchmarks drive the engine through it, so its
// output formats and exit statuses are part of the contract (DESIGN.md
// section 5).
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/hashicorp/go-hclog"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/service"
)

// Exit statuses.
const (
	ExitOK       = 0
	ExitFailure  = 1
	ExitUsage    = 2
	ExitDisabled = 3
)

// Env is the world a command runs in, so tests can run commands in-process.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Getenv reads the environment (os.Getenv by default).
	Getenv func(string) string
	// StderrIsTerminal turns on the progress line of long ingests.
	StderrIsTerminal bool
}

// command is one engine subcommand.
type command struct {
	name    string
	summary string
	usage   string
	run     func(ctx context.Context, c *invocation) error
	flags   func(fs *flag.FlagSet, c *invocation)
}

var commands = map[string]*command{}

func register(c *command) { commands[c.name] = c }

// invocation holds the common flags and the environment of one run.
type invocation struct {
	env         Env
	fs          *flag.FlagSet
	dataDir     string
	databaseURL string
	output      string
	txRecords   int
	args        []string
	// command-specific flag values
	values map[string]any
}

// usageError is bad usage: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// Run runs `engine <args>` and returns the exit status. Errors are printed
// as one line on stderr.
func Run(ctx context.Context, args []string, env Env) int {
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printHelp(env.Stderr)
		if len(args) == 0 {
			return ExitUsage
		}
		return ExitOK
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(env.Stderr, "error: unknown engine command %q (run `engine help`)\n", args[0])
		return ExitUsage
	}
	inv := &invocation{env: env, values: map[string]any{}}
	fs := flag.NewFlagSet("engine "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&inv.dataDir, "data-dir", env.Getenv("IDP_DATA_DIR"), "data directory of the embedded store (default $IDP_DATA_DIR, else .idp)")
	fs.StringVar(&inv.databaseURL, "database-url", env.Getenv("IDP_DATABASE_URL"), "PostgreSQL URL; when set, PostgreSQL is used instead of SQLite")
	if cmd.flags != nil {
		cmd.flags(fs, inv)
	}
	inv.fs = fs
	positional, err := parseInterspersed(fs, args[1:])
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %s\nusage: terraform-provider-idp engine %s %s\n", err, cmd.name, cmd.usage)
		return ExitUsage
	}
	inv.args = positional
	limitMemory(env.Getenv)
	err = cmd.run(ctx, inv)
	if err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		// SIGINT or SIGTERM: every command stops at its next step, and
		// what it committed before stays (ingest and sync are safe to run
		// again).
		err = fmt.Errorf("interrupted: %w", err)
	}
	return report(env.Stderr, err)
}

// parseInterspersed lets flags come before or after the positional
// arguments, as users type them; "-" is stdin, "--" ends the flags.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		consumed := len(args) - len(rest)
		if consumed > 0 && args[consumed-1] == "--" {
			return append(positional, rest...), nil
		}
		if len(rest) == 0 {
			return positional, nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

func report(stderr io.Writer, err error) int {
	if err == nil {
		return ExitOK
	}
	msg := strings.ReplaceAll(err.Error(), "\n", " ")
	fmt.Fprintf(stderr, "error: %s\n", msg)
	var ue usageError
	switch {
	case errors.As(err, &ue):
		return ExitUsage
	case errors.Is(err, engine.ErrDisabled):
		return ExitDisabled
	}
	return ExitFailure
}

// open opens the engine named by the common flags.
func (c *invocation) open(ctx context.Context) (*service.Service, error) {
	level := hclog.LevelFromString(c.env.Getenv("IDP_LOG_LEVEL"))
	if level == hclog.NoLevel {
		level = hclog.Warn
	}
	logger := hclog.New(&hclog.LoggerOptions{Name: "engine", Level: level, Output: c.env.Stderr})
	return service.Open(ctx, service.Config{DataDir: c.dataDir, DatabaseURL: c.databaseURL, Logger: logger, TxRecords: c.txRecords})
}

// outputFlag adds --output with the allowed formats, the first the default.
func outputFlag(fs *flag.FlagSet, c *invocation, formats ...string) {
	fs.StringVar(&c.output, "output", formats[0], "output format: "+strings.Join(formats, " or "))
}

func (c *invocation) checkOutput(formats ...string) error {
	for _, f := range formats {
		if c.output == f {
			return nil
		}
	}
	return usagef("--output must be one of %s, not %q", strings.Join(formats, ", "), c.output)
}

func (c *invocation) noArgs() error {
	if len(c.args) > 0 {
		return usagef("unexpected argument %q", c.args[0])
	}
	return nil
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "usage: terraform-provider-idp engine <command> [flags]")
	fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-13s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nevery command takes --data-dir DIR (default $IDP_DATA_DIR, else .idp) and --database-url URL (default $IDP_DATABASE_URL)")
}

// defaultMemoryLimit is the Go heap's soft limit for engine commands. The
// engine streams in bounded batches; the limit keeps the garbage collector
// from letting the heap double before it runs, so a long ingest stays
// within a small, predictable footprint. GOMEMLIMIT overrides it.
const defaultMemoryLimit = 128 << 20

func limitMemory(getenv func(string) string) {
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
}
