// Package cli is the engine's command line: `terraform-provider-idp engine
// <command>`. Tests and benchmarks drive the engine through it, so its
// output formats and exit statuses are part of the contract (ARCHITECTURE.md,
// contract §5).
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
	"github.com/idp/terraform-provider-idp/internal/engine/store/storeopen"
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
	// Version is the binary's release version, which `engine serve`
	// reports to its clients.
	Version string
}

// command is one engine subcommand.
type command struct {
	name    string
	summary string
	usage   string
	// bind defines the command's flags on fs, bound to the fields of a
	// fresh flags struct, and returns that struct's common flags and the
	// command's run function closed over the struct.
	bind func(fs *flag.FlagSet) (*commonFlags, func(ctx context.Context, c *invocation) error)
}

var commands = map[string]*command{}

// register adds a command whose flags are the struct F, which run gets
// parsed. P is *F: a fresh F per Run, so that commands run in-process
// (tests) never share flag values.
func register[F any, P interface {
	*F
	flagsStruct
}](c command, run func(ctx context.Context, c *invocation, f P) error) {
	c.bind = func(fs *flag.FlagSet) (*commonFlags, func(context.Context, *invocation) error) {
		f := P(new(F))
		f.define(fs)
		return f.common(), func(ctx context.Context, inv *invocation) error { return run(ctx, inv, f) }
	}
	commands[c.name] = &c
}

// invocation is one run of a command: its environment, its positional
// arguments, and the common flags of its flags struct, which the helpers
// shared by the commands (open, the printers) read.
type invocation struct {
	env  Env
	args []string
	*commonFlags
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
	fs := flag.NewFlagSet("engine "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	common, run := cmd.bind(fs)
	common.defineStore(fs, env.Getenv)
	positional, err := parseInterspersed(fs, args[1:])
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %s\nusage: terraform-provider-idp engine %s %s\n", err, cmd.name, cmd.usage)
		return ExitUsage
	}
	inv := &invocation{env: env, args: positional, commonFlags: common}
	limitMemory(env.Getenv, common.databaseURL != "")
	err = run(ctx, inv)
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
	return storeopen.Service(ctx, service.Config{DataDir: c.dataDir, DatabaseURL: c.databaseURL, Logger: logger, TxRecords: c.txRecords})
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

// Soft limits of the Go heap for engine commands. The engine streams in
// bounded batches; the limit keeps the garbage collector from letting the
// heap double before it runs, so a long ingest stays within a small,
// predictable footprint (under 256 MiB in all). SQLite's page cache and
// allocations live in the same process but outside the Go heap, so the
// embedded store leaves the heap less; with PostgreSQL the heap may take
// more. A tighter limit costs collections: a 1,000,000-record ingest on two
// CPUs took 34.2 s at 128 MiB, 30.4 s at 140 (peak RSS 224 and 232 MiB) and
// 30.2 s at 150 (242 MiB, too close); into PostgreSQL, 47.2 s at 128 MiB and
// 32.1 s at 192 (peak RSS 215 MiB). GOMEMLIMIT overrides both.
const (
	embeddedMemoryLimit = 140 << 20
	postgresMemoryLimit = 192 << 20
)

func limitMemory(getenv func(string) string, postgres bool) {
	if getenv("GOMEMLIMIT") != "" {
		return
	}
	if postgres {
		debug.SetMemoryLimit(postgresMemoryLimit)
		return
	}
	debug.SetMemoryLimit(embeddedMemoryLimit)
}
