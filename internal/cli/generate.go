package cli

import (
	"context"
	"flag"

	"github.com/idp/terraform-provider-idp/internal/generate"
)

// generateFlags are the flags of `engine generate`.
type generateFlags struct {
	commonFlags
	kind                    string
	records, users          int
	seed                    uint64
	updateEvery, staleEvery int
}

func (f *generateFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&f.kind, "type", "detections", "detections or devices")
	fs.IntVar(&f.records, "records", 1000, "number of detection records")
	fs.IntVar(&f.users, "users", 5000, "number of distinct users")
	fs.Uint64Var(&f.seed, "seed", 1, "random seed: the same seed gives the same bytes")
	fs.IntVar(&f.updateEvery, "update-every", 20, "every n-th record is a newer version of an earlier one (0: none)")
	fs.IntVar(&f.staleEvery, "stale-every", 50, "every n-th record is a stale copy of an earlier one (0: none)")
}

func init() {
	register(command{
		name:    "generate",
		summary: "write deterministic synthetic Graph records (benchmarks and tests)",
		usage:   "[--type detections|devices] [--records N] [--users N] [--seed N] [--update-every N] [--stale-every N]",
	}, runGenerate)
}

func runGenerate(_ context.Context, c *invocation, f *generateFlags) error {
	if err := c.noArgs(); err != nil {
		return err
	}
	opts := generate.Options{
		Records:     f.records,
		Users:       f.users,
		Seed:        f.seed,
		UpdateEvery: f.updateEvery,
		StaleEvery:  f.staleEvery,
	}
	switch f.kind {
	case "detections":
		return generate.Detections(c.env.Stdout, opts)
	case "devices":
		return generate.Devices(c.env.Stdout, opts)
	default:
		return usagef("--type must be detections or devices, not %q", f.kind)
	}
}
