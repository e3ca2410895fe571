package cli

import (
	"context"
	"flag"
	"fmt"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

func init() {
	register(&command{
		name:    "sync",
		summary: "process the integration's configured source once, from its cursor",
		usage:   "[--output json|text]",
		flags:   func(fs *flag.FlagSet, c *invocation) { outputFlag(fs, c, "text", "json") },
		run: func(ctx context.Context, c *invocation) error {
			if err := c.checkOutput("text", "json"); err != nil {
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
		},
	})
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
