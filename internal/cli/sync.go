package cli

import (
	"context"
	"flag"
	"fmt"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

// syncFlags are the flags of `engine sync`.
type syncFlags struct{ commonFlags }

func (f *syncFlags) define(fs *flag.FlagSet) { f.defineOutput(fs, "text", "json") }

func init() {
	register(command{
		name:    "sync",
		summary: "process the integration's configured source once, from its cursor",
		usage:   "[--output json|text]",
	}, runSync)
}

func runSync(ctx context.Context, c *invocation, f *syncFlags) error {
	if err := f.checkOutput(); err != nil {
		return err
	}
	if err := c.noArgs(); err != nil {
		return err
	}
	svc, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer svc.Close()
	sum, err := svc.SyncDetailed(ctx)
	if err != nil {
		return err
	}
	return printSyncSummary(c, sum)
}

// syncOutput is sync's JSON: the fields ingest prints, unchanged, and,
// when the source writes back to Microsoft Graph, the write-back's counts
// in an object of their own.
type syncOutput struct {
	engine.IngestSummary
	Writeback *engine.WritebackSummary `json:"writeback,omitempty"`
}

func printSyncSummary(c *invocation, s engine.SyncSummary) error {
	if c.output == "json" {
		return writeJSON(c.env.Stdout, syncOutput{IngestSummary: s.Ingest, Writeback: s.Writeback})
	}
	if err := printSummary(c, s.Ingest); err != nil || s.Writeback == nil {
		return err
	}
	w := s.Writeback
	_, err := fmt.Fprintf(c.env.Stdout, "written back to Microsoft Graph: confirmed %d, failed %d, deferred %d\n", w.Confirmed, w.Failed, w.Deferred)
	return err
}
