package service

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph"
	"github.com/idp/terraform-provider-idp/internal/engine/policy"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

// Integration returns the settings, the defaults until they are written.
// A graph source's secret is not in them: ClientSecretSet says whether one
// is held.
func (s *Service) Integration(ctx context.Context) (engine.Integration, error) {
	in, err := s.storedIntegration(ctx)
	return redacted(in), err
}

// storedIntegration is the integration as stored, sealed secret included:
// for the engine's own use, never for an answer.
func (s *Service) storedIntegration(ctx context.Context) (engine.Integration, error) {
	var in engine.Integration
	err := s.store.View(ctx, func(r store.Reader) error {
		var err error
		in, err = integration(ctx, r)
		return err
	})
	return in, err
}

func integration(ctx context.Context, r store.Reader) (engine.Integration, error) {
	in, found, err := r.Integration(ctx)
	if err != nil || !found {
		return engine.DefaultIntegration(), err
	}
	return in, nil
}

// SetIntegration validates and stores the settings, leaving the claim
// alone: a change made outside Terraform.
func (s *Service) SetIntegration(ctx context.Context, in engine.Integration) (engine.Integration, error) {
	return s.WriteIntegration(ctx, in, engine.ClaimNone)
}

// WriteIntegration validates and stores the settings, doing with the
// integration's claim what mode says: ClaimNew fails with an error
// wrapping engine.ErrAlreadyExists when a Terraform resource already
// manages the integration. A graph source's secret is sealed before it is
// stored (secrets.go), and the answer says only whether one is held.
func (s *Service) WriteIntegration(ctx context.Context, in engine.Integration, mode engine.ClaimMode) (engine.Integration, error) {
	if err := ValidateIntegration(in); err != nil {
		return redacted(in), err
	}
	if err := s.checkSourceFiles(in.Source); err != nil {
		return redacted(in), err
	}
	if err := s.checkGraphHosts(in.Source); err != nil {
		return redacted(in), err
	}
	var sealed string
	if in.Source != nil && in.Source.Graph != nil && in.Source.Graph.ClientSecret != "" {
		var err error
		if sealed, err = s.sealGraphSecret(in.Source.Graph.ClientSecret); err != nil {
			return redacted(in), err
		}
	}
	var stored engine.Integration
	err := s.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.Lock(ctx, store.LockKeys{Settings: true}); err != nil {
			return err
		}
		if err := claim(ctx, tx, engine.ClaimIntegration, mode); err != nil {
			return err
		}
		var err error
		if stored, err = s.forStore(ctx, tx, in, sealed); err != nil {
			return err
		}
		return tx.PutIntegration(ctx, stored)
	})
	if err != nil {
		return redacted(in), err
	}
	s.log.Named("settings").Info("integration updated", "enabled", in.Enabled, "retention_days", in.RetentionDays)
	return redacted(stored), nil
}

// ResetIntegration restores the defaults and releases the claim; alerts
// are left alone.
func (s *Service) ResetIntegration(ctx context.Context) error {
	err := s.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.Lock(ctx, store.LockKeys{Settings: true}); err != nil {
			return err
		}
		if err := tx.DeleteClaim(ctx, engine.ClaimIntegration); err != nil {
			return err
		}
		return tx.PutIntegration(ctx, engine.DefaultIntegration())
	})
	if err == nil {
		s.log.Named("settings").Info("integration reset to its defaults")
	}
	return err
}

// ValidateIntegration checks the settings against the contract.
func ValidateIntegration(in engine.Integration) error {
	if in.RetentionDays < engine.MinRetentionDays || in.RetentionDays > engine.MaxRetentionDays {
		return &engine.FieldError{Field: "retention_days", Err: fmt.Errorf("%w: %d is outside %d to %d",
			engine.ErrInvalid, in.RetentionDays, engine.MinRetentionDays, engine.MaxRetentionDays)}
	}
	if err := ValidateSourceKind(in.Source); err != nil {
		return err
	}
	if in.Source != nil && in.Source.Graph != nil {
		return validateGraphSource(*in.Source.Graph)
	}
	return nil
}

// checkSourceFiles applies the engine's path rules (FileSources) to the
// files a file source names, so that a path it may not read is refused
// when it is written; they apply again when the files are read.
func (s *Service) checkSourceFiles(src *engine.Source) error {
	if src == nil || src.File == nil {
		return nil
	}
	for _, list := range []struct {
		field string
		paths []string
	}{{"source.file.detections", src.File.Detections}, {"source.file.devices", src.File.Devices}} {
		for _, p := range list.paths {
			if err := s.cfg.FileSources.Check(p); err != nil {
				return &engine.FieldError{Field: list.field, Err: err}
			}
		}
	}
	return nil
}

// ValidateSourceKind checks that a source, when there is one, is exactly
// one of file or graph; what each holds is not looked at.
func ValidateSourceKind(src *engine.Source) error {
	if src != nil && (src.File == nil) == (src.Graph == nil) {
		return &engine.FieldError{Field: "source", Err: fmt.Errorf("%w: exactly one of file or graph must be set", engine.ErrInvalid)}
	}
	return nil
}

// validateGraphSource checks the graph settings by the rules the Graph
// client applies, so that a bad one is refused when it is written rather
// than at the next sync. Empty URLs and a zero page size mean the
// defaults. The secret is not checked: it may come from GraphSecretEnv
// when the sync runs, in that process's environment.
func validateGraphSource(g engine.GraphSource) error {
	field := func(name string, err error) error {
		if err == nil {
			return nil
		}
		return &engine.FieldError{Field: "source.graph." + name, Err: err}
	}
	checks := []error{
		field("tenant_id", graph.CheckTenantID(g.TenantID)),
		field("client_id", graph.CheckClientID(g.ClientID)),
	}
	if g.AuthorityURL != "" {
		checks = append(checks, field("authority_url", graph.CheckBaseURL("authority_url", g.AuthorityURL)))
	}
	if g.GraphURL != "" {
		checks = append(checks, field("graph_url", graph.CheckBaseURL("graph_url", g.GraphURL)))
	}
	if g.PageSize != 0 {
		checks = append(checks, field("page_size", graph.CheckPageSize(g.PageSize)))
	}
	for _, err := range checks {
		if err != nil {
			return err
		}
	}
	return nil
}

// Policy returns one policy by ID: a built-in's settings (its defaults until
// tuned) or a custom policy.
func (s *Service) Policy(ctx context.Context, id string) (engine.Policy, error) {
	var p engine.Policy
	err := s.store.View(ctx, func(r store.Reader) error {
		var err error
		p, err = findPolicy(ctx, r, id)
		return err
	})
	return p, err
}

func findPolicy(ctx context.Context, r store.Reader, id string) (engine.Policy, error) {
	all, err := policies(ctx, r)
	if err != nil {
		return engine.Policy{}, err
	}
	for _, p := range all {
		if p.ID() == id {
			return p, nil
		}
	}
	return engine.Policy{}, fmt.Errorf("policy %q: %w", id, engine.ErrNotFound)
}

// Policies lists the built-ins (tuned or default) and then the custom
// policies by name.
func (s *Service) Policies(ctx context.Context) ([]engine.Policy, error) {
	var out []engine.Policy
	err := s.store.View(ctx, func(r store.Reader) error {
		var err error
		out, err = policies(ctx, r)
		return err
	})
	return out, err
}

func policies(ctx context.Context, r store.Reader) ([]engine.Policy, error) {
	stored, err := r.Policies(ctx)
	if err != nil {
		return nil, err
	}
	byID := map[string]engine.Policy{}
	for _, p := range stored {
		byID[p.ID()] = p
	}
	var out []engine.Policy
	for _, b := range policy.Builtins() {
		if p, ok := byID[b.ID()]; ok {
			b = p
			delete(byID, b.ID())
		}
		out = append(out, b)
	}
	var custom []engine.Policy
	for _, p := range byID {
		custom = append(custom, p)
	}
	sort.Slice(custom, func(i, j int) bool { return custom[i].ID() < custom[j].ID() })
	return append(out, custom...), nil
}

// PutPolicy fills defaults, validates and stores a policy, leaving claims
// alone. A built-in is tuned; a custom policy is created, or replaced when
// its name exists.
func (s *Service) PutPolicy(ctx context.Context, p engine.Policy) (engine.Policy, error) {
	return s.WritePolicy(ctx, p, engine.ClaimNone)
}

// CreatePolicy is WritePolicy with ClaimNew: a custom policy whose name is
// taken, or a built-in a Terraform resource already manages, is refused
// with an error wrapping engine.ErrAlreadyExists, so that two
// configurations never silently share one policy.
func (s *Service) CreatePolicy(ctx context.Context, p engine.Policy) (engine.Policy, error) {
	return s.WritePolicy(ctx, p, engine.ClaimNew)
}

// WritePolicy fills defaults, validates and stores a policy. For a
// built-in, mode says what happens to its claim. For a custom policy,
// ClaimNew creates it and refuses a name that is taken; the other modes
// create or replace.
func (s *Service) WritePolicy(ctx context.Context, p engine.Policy, mode engine.ClaimMode) (engine.Policy, error) {
	c, err := policy.Compile(p)
	if err != nil {
		return p, err
	}
	p = c.Policy
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.Lock(ctx, store.LockKeys{Settings: true}); err != nil {
			return err
		}
		if policy.IsBuiltin(p.Type) {
			if err := claim(ctx, tx, engine.ClaimPolicy(p.Type), mode); err != nil {
				return err
			}
		} else {
			_, err := findPolicy(ctx, tx, p.ID())
			switch {
			case err == nil && mode == engine.ClaimNew:
				return &engine.FieldError{Field: "name", Err: fmt.Errorf("custom policy %q: %w (import it, or choose another name)", p.ID(), engine.ErrAlreadyExists)}
			case IsNotFound(err):
				if err := checkCustomPolicyCap(ctx, tx); err != nil {
					return err
				}
			case err != nil:
				return err
			}
		}
		if err := checkTagCollision(ctx, tx, p); err != nil {
			return err
		}
		return tx.PutPolicy(ctx, p)
	})
	if err != nil {
		return p, err
	}
	s.log.Named("settings").Info("policy updated", "policy", p.ID(), "enabled", p.Enabled, "severity", p.Severity)
	return p, nil
}

// checkCustomPolicyCap refuses a new custom policy once the engine holds
// policy.MaxCustomPolicies of them.
func checkCustomPolicyCap(ctx context.Context, r store.Reader) error {
	stored, err := r.Policies(ctx)
	if err != nil {
		return err
	}
	n := 0
	for _, p := range stored {
		if !policy.IsBuiltin(p.Type) {
			n++
		}
	}
	if n >= policy.MaxCustomPolicies {
		return fmt.Errorf("%w: the engine holds at most %d custom policies, and it has %d: delete one before creating another",
			engine.ErrInvalid, policy.MaxCustomPolicies, n)
	}
	return nil
}

// checkTagCollision refuses a policy whose short tag, the prefix of its
// alerts' keys, equals another policy's: the two would share alerts. With
// 32-bit tags this takes tens of thousands of policies to be likely, but a
// clear refusal is better than a silent mix-up.
func checkTagCollision(ctx context.Context, r store.Reader, p engine.Policy) error {
	all, err := policies(ctx, r)
	if err != nil {
		return err
	}
	tag := engine.PolicyTagOf(p.ID())
	for _, other := range all {
		if other.ID() != p.ID() && engine.PolicyTagOf(other.ID()) == tag {
			return &engine.FieldError{Field: "name", Err: fmt.Errorf("%w: the name %q hashes to the same key as policy %q; choose another name",
				engine.ErrInvalid, p.ID(), other.ID())}
		}
	}
	return nil
}

// DeletePolicy restores a built-in's defaults and releases its claim, or
// deletes a custom policy; an unknown ID is engine.ErrNotFound. Alerts
// stay until retention purges them.
func (s *Service) DeletePolicy(ctx context.Context, id string) error {
	err := s.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.Lock(ctx, store.LockKeys{Settings: true}); err != nil {
			return err
		}
		if _, err := findPolicy(ctx, tx, id); err != nil {
			return err
		}
		if policy.IsBuiltin(id) {
			if err := tx.DeleteClaim(ctx, engine.ClaimPolicy(id)); err != nil {
				return err
			}
		}
		return tx.DeletePolicy(ctx, id)
	})
	if err == nil {
		s.log.Named("settings").Info("policy reset or deleted", "policy", id)
	}
	return err
}

// compiledPolicies compiles the policies in effect for one transaction.
// A stored policy that no longer compiles (written by a newer engine, say)
// is reported rather than silently skipped.
func compiledPolicies(ctx context.Context, r store.Reader) ([]*policy.Compiled, error) {
	ps, err := policies(ctx, r)
	if err != nil {
		return nil, err
	}
	out := make([]*policy.Compiled, 0, len(ps))
	for _, p := range ps {
		c, err := policy.Compile(p)
		if err != nil {
			return nil, fmt.Errorf("policy %q cannot be used: %w", p.ID(), err)
		}
		out = append(out, c)
	}
	return out, nil
}

// IsNotFound is errors.Is(err, engine.ErrNotFound), for readability.
func IsNotFound(err error) bool { return errors.Is(err, engine.ErrNotFound) }
