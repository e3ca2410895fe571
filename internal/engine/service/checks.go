package service

import (
	"context"
	"fmt"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/policy"
)

// The checks apply the rules a write applies, and store nothing, read no
// store and call no source: a plan asks them (through the client, so that
// in remote mode the server's rules decide), and a plan changes nothing.

// CheckIntegration refuses what WriteIntegration would refuse before it
// touches the store: the contract's rules, the engine's path rules for
// file sources, and the hosts a graph source may send credentials to.
func (s *Service) CheckIntegration(_ context.Context, in engine.Integration) error {
	if err := ValidateIntegration(in); err != nil {
		return err
	}
	if err := s.checkSourceFiles(in.Source); err != nil {
		return err
	}
	return s.checkGraphHosts(in.Source)
}

// CheckPolicy fills a policy's defaults and validates it (a custom
// policy's condition compiled), as WritePolicy does before it stores.
func (s *Service) CheckPolicy(_ context.Context, p engine.Policy) (engine.Policy, error) {
	c, err := policy.Compile(p)
	if err != nil {
		return p, err
	}
	return c.Policy, nil
}

// TestPolicy runs inline tests against a policy as configured.
func (s *Service) TestPolicy(_ context.Context, p engine.Policy, tests []engine.PolicyTest) ([]engine.PolicyTestResult, error) {
	return policy.RunTests(p, tests)
}

// PolicyDefaults is the configuration a new policy of a type has, its
// aggregation window following groupBy (a custom policy grouped per
// detection has none); engine.ErrNotFound for an unknown type.
func (s *Service) PolicyDefaults(_ context.Context, typ, groupBy string) (engine.Policy, error) {
	plugin, err := policy.Lookup(typ)
	if err != nil {
		return engine.Policy{}, fmt.Errorf("policy type %q: %w", typ, engine.ErrNotFound)
	}
	def := plugin.Default()
	if groupBy == "" {
		return def, nil
	}
	completed := plugin.Complete(engine.Policy{Type: def.Type, GroupBy: groupBy})
	def.GroupBy, def.AggregationWindow = completed.GroupBy, completed.AggregationWindow
	return def, nil
}
