package cli

import (
	"flag"
	"strings"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

// flagsStruct is what every command's typed flags struct does: it embeds
// commonFlags and binds its own fields to a flag set.
type flagsStruct interface {
	common() *commonFlags
	define(fs *flag.FlagSet)
}

// commonFlags are the flags several commands share. Every command takes
// --data-dir and --database-url (Run defines them); a command defines
// --output and --tx-records when it has them.
type commonFlags struct {
	dataDir     string
	databaseURL string
	output      string
	txRecords   int
	// outputs are the formats --output allows, the first the default.
	outputs []string
}

func (f *commonFlags) common() *commonFlags { return f }

// defineStore adds the flags that name the store; their defaults come from
// the environment.
func (f *commonFlags) defineStore(fs *flag.FlagSet, getenv func(string) string) {
	fs.StringVar(&f.dataDir, "data-dir", getenv("IDP_DATA_DIR"), "data directory of the embedded store (default $IDP_DATA_DIR, else .idp)")
	fs.StringVar(&f.databaseURL, "database-url", getenv("IDP_DATABASE_URL"), "PostgreSQL URL; when set, PostgreSQL is used instead of SQLite")
}

// defineOutput adds --output with the allowed formats, the first the
// default.
func (f *commonFlags) defineOutput(fs *flag.FlagSet, formats ...string) {
	f.outputs = formats
	fs.StringVar(&f.output, "output", formats[0], "output format: "+strings.Join(formats, " or "))
}

// defineTxRecords adds --tx-records; 0 leaves the engine's default.
func (f *commonFlags) defineTxRecords(fs *flag.FlagSet, usage string) {
	fs.IntVar(&f.txRecords, "tx-records", 0, usage)
}

// checkOutput refuses a format the command does not print: to the flag
// package, --output is any string.
func (f *commonFlags) checkOutput() error {
	for _, format := range f.outputs {
		if f.output == format {
			return nil
		}
	}
	return usagef("--output must be one of %s, not %q", strings.Join(f.outputs, ", "), f.output)
}

// pageFlags are --limit and --offset of the listings that print all their
// rows by default, reading them a page at a time.
type pageFlags struct {
	limit, offset int
}

func (f *pageFlags) define(fs *flag.FlagSet, rows string) {
	fs.IntVar(&f.limit, "limit", 0, "at most this many "+rows+"; 0 for all")
	fs.IntVar(&f.offset, "offset", 0, "skip this many "+rows+" first, to print a later page")
}

func (f *pageFlags) page() (engine.Page, error) {
	p := engine.Page{Limit: f.limit, Offset: f.offset}
	if p.Limit < 0 || p.Offset < 0 {
		return p, usagef("--limit and --offset must be 0 or more")
	}
	return p, nil
}
