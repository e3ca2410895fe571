package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/service"
)

// ingestFlags are the flags of `engine ingest`.
type ingestFlags struct {
	commonFlags
	kind string
}

func (f *ingestFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&f.kind, "type", "detections", "record type: detections or devices")
	f.defineTxRecords(fs, "records committed per transaction (default 50000); smaller uses less memory")
	f.defineOutput(fs, "text", "json")
}

func init() {
	register(command{
		name:    "ingest",
		summary: "ingest riskDetection (or managedDevice) records from files or stdin",
		usage:   "[--type detections|devices] [--tx-records N] [--output json|text] FILE... | -",
	}, runIngest)
}

func runIngest(ctx context.Context, c *invocation, f *ingestFlags) error {
	kind := f.kind
	if kind != "detections" && kind != "devices" {
		return usagef("--type must be detections or devices, not %q", kind)
	}
	if err := f.checkOutput(); err != nil {
		return err
	}
	if len(c.args) == 0 {
		return usagef("name at least one FILE, or - for stdin")
	}
	// Open every file before consuming any, so a typo fails before anything
	// is ingested.
	inputs := make([]*os.File, len(c.args))
	for i, name := range c.args {
		if name == "-" {
			continue
		}
		f, err := os.Open(name)
		if err != nil {
			closeAll(inputs)
			return err
		}
		inputs[i] = f
	}
	defer closeAll(inputs)

	if f.txRecords < 0 {
		return usagef("--tx-records must be positive")
	}
	svc, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer svc.Close()

	progress := newProgress(c.env.Stderr, c.env.StderrIsTerminal)
	var total engine.IngestSummary
	start := time.Now()
	for i, name := range c.args {
		var r io.Reader = c.env.Stdin
		if inputs[i] != nil {
			r = inputs[i]
		}
		opts := service.IngestOptions{Source: name, Progress: progress.update(total)}
		var sum engine.IngestSummary
		if kind == "devices" {
			sum, err = svc.IngestDevices(ctx, r, opts)
		} else {
			sum, err = svc.IngestDetections(ctx, r, opts)
		}
		total.Add(sum)
		if err != nil {
			progress.done()
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	progress.done()
	total.ElapsedSeconds = time.Since(start).Seconds()
	return printSummary(c, total)
}

func printSummary(c *invocation, s engine.IngestSummary) error {
	if c.output == "json" {
		return writeJSON(c.env.Stdout, s)
	}
	_, err := fmt.Fprintf(c.env.Stdout, "read %d: accepted %d, updated %d, duplicates %d, quarantined %d; alerts created %d, updated %d; users remediated %d (%.2fs)\n",
		s.Read, s.Accepted, s.Updated, s.Duplicates, s.Quarantined, s.AlertsCreated, s.AlertsUpdated, s.UsersRemediated, s.ElapsedSeconds)
	return err
}

func closeAll(fs []*os.File) {
	for _, f := range fs {
		if f != nil {
			f.Close()
		}
	}
}

// progress draws one self-overwriting line on a terminal.
type progress struct {
	w       io.Writer
	on      bool
	start   time.Time
	printed bool
}

func newProgress(w io.Writer, terminal bool) *progress {
	return &progress{w: w, on: terminal, start: time.Now()}
}

// update returns the callback for one input, adding what earlier inputs
// already counted.
func (p *progress) update(before engine.IngestSummary) func(engine.IngestSummary) {
	if !p.on {
		return nil
	}
	return func(s engine.IngestSummary) {
		s.Add(before)
		rate := float64(s.Read) / time.Since(p.start).Seconds()
		fmt.Fprintf(p.w, "\r\033[Kingested %d records (%.0f/s), %d quarantined, %d alerts created", s.Read, rate, s.Quarantined, s.AlertsCreated)
		p.printed = true
	}
}

func (p *progress) done() {
	if p.printed {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
