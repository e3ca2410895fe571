package cli

import (
	"context"
	"flag"
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
			sum, err := svc.Sync(ctx)
			if err != nil {
				return err
			}
			return printSummary(c, sum)
		},
	})
}
