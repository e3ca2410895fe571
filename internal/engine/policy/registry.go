package policy

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

// Plugin is one policy type.
type Plugin interface {
	// Type is the policy's type name, as in idp_policy.type.
	Type() string
	// Builtin types always exist, one policy each, and are tuned rather
	// than created.
	Builtin() bool
	// Default is the configuration of a new policy of this type: for a
	// built-in, what it has until tuned and again after destroy.
	Default() engine.Policy
	// Complete fills the unset (zero) settings of a configuration with the
	// type's defaults and fixes the settings the type decides alone.
	Complete(p engine.Policy) engine.Policy
	// Validate checks a configuration with defaults filled. Errors wrap
	// engine.ErrInvalid and are FieldErrors naming the attribute.
	Validate(p engine.Policy) error
	// Selector returns the test a detection must pass to be a member of
	// the policy's alerts, whatever its severity.
	Selector(p engine.Policy) (Selector, error)
}

// Selector tells whether a detection belongs to a policy. A selector that
// can take long (a custom condition) stops when ctx ends.
type Selector func(ctx context.Context, d *engine.Detection) (bool, error)

var (
	mu      sync.RWMutex
	plugins = map[string]Plugin{}
)

// Register adds a plugin; each type's file registers itself in init.
func Register(p Plugin) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := plugins[p.Type()]; dup {
		panic("policy: type registered twice: " + p.Type())
	}
	plugins[p.Type()] = p
}

// Lookup finds the plugin of a type.
func Lookup(typ string) (Plugin, error) {
	mu.RLock()
	defer mu.RUnlock()
	p, ok := plugins[typ]
	if !ok {
		return nil, &engine.FieldError{Field: "type", Err: fmt.Errorf("%w: unknown policy type %q (known: %v)", engine.ErrInvalid, typ, typesLocked())}
	}
	return p, nil
}

// Types lists the registered types, sorted.
func Types() []string {
	mu.RLock()
	defer mu.RUnlock()
	return typesLocked()
}

func typesLocked() []string {
	out := make([]string, 0, len(plugins))
	for t := range plugins {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// Builtins returns the default configuration of every built-in type, in
// type order.
func Builtins() []engine.Policy {
	var out []engine.Policy
	for _, t := range Types() {
		p, _ := Lookup(t)
		if p.Builtin() {
			out = append(out, p.Default())
		}
	}
	return out
}

// IsBuiltin reports whether id names a built-in policy.
func IsBuiltin(id string) bool {
	p, err := Lookup(id)
	return err == nil && p.Builtin()
}

// Normalize fills defaults and validates: what every write of a policy goes
// through.
func Normalize(p engine.Policy) (engine.Policy, error) {
	plugin, err := Lookup(p.Type)
	if err != nil {
		return p, err
	}
	p = plugin.Complete(p)
	if err := plugin.Validate(p); err != nil {
		return p, err
	}
	return p, nil
}

func invalid(field, format string, args ...any) error {
	return &engine.FieldError{Field: field, Err: fmt.Errorf("%w: "+format, append([]any{engine.ErrInvalid}, args...)...)}
}
