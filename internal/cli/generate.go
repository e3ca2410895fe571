package cli

import (
	"context"
	"flag"

	"github.com/idp/terraform-provider-idp/internal/generate"
)

func init() {
	register(&command{
		name:    "generate",
		summary: "write deterministic synthetic Graph records (benchmarks and tests)",
		usage:   "[--type detections|devices] [--records N] [--users N] [--seed N] [--update-every N] [--stale-every N]",
		flags: func(fs *flag.FlagSet, c *invocation) {
			c.values["type"] = fs.String("type", "detections", "detections or devices")
			c.values["records"] = fs.Int("records", 1000, "number of detection records")
			c.values["users"] = fs.Int("users", 5000, "number of distinct users")
			c.values["seed"] = fs.Uint64("seed", 1, "random seed: the same seed gives the same bytes")
			c.values["update-every"] = fs.Int("update-every", 20, "every n-th record is a newer version of an earlier one (0: none)")
			c.values["stale-every"] = fs.Int("stale-every", 50, "every n-th record is a stale copy of an earlier one (0: none)")
		},
		run: func(ctx context.Context, c *invocation) error {
			if err := c.noArgs(); err != nil {
				return err
			}
			opts := generate.Options{
				Records:     *c.values["records"].(*int),
				Users:       *c.values["users"].(*int),
				Seed:        *c.values["seed"].(*uint64),
				UpdateEvery: *c.values["update-every"].(*int),
				StaleEvery:  *c.values["stale-every"].(*int),
			}
			switch kind := *c.values["type"].(*string); kind {
			case "detections":
				return generate.Detections(c.env.Stdout, opts)
			case "devices":
				return generate.Devices(c.env.Stdout, opts)
			default:
				return usagef("--type must be detections or devices, not %q", kind)
			}
		},
	})
}
