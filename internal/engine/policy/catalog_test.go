package policy_test

import (
	"slices"
	"testing"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/policy"
)

// The engine's catalogue is what the provider's schema and docs say about
// the types; the registry is what the engine does. They must agree.
func TestCatalogueMatchesRegistry(t *testing.T) {
	if got, want := engine.PolicyTypes(), policy.Types(); !slices.Equal(got, want) {
		t.Fatalf("catalogue types %v, registry types %v", got, want)
	}
	for _, typ := range policy.Types() {
		plugin, err := policy.Lookup(typ)
		if err != nil {
			t.Fatal(err)
		}
		if got := engine.IsBuiltinPolicy(typ); got != plugin.Builtin() {
			t.Errorf("%s: catalogue says built-in %v, registry %v", typ, got, plugin.Builtin())
		}
		def, ok := engine.DefaultPolicy(typ)
		if !ok || def != plugin.Default() {
			t.Errorf("%s: catalogue default %+v (%v), registry %+v", typ, def, ok, plugin.Default())
		}
		if _, err := policy.Normalize(def); typ != engine.PolicyCustom && err != nil {
			t.Errorf("%s: the catalogue's default does not validate: %v", typ, err)
		}
	}
	if got := engine.BuiltinPolicyTypes(); !slices.Equal(got, []string{engine.PolicyLeakedCredentials, engine.PolicyRiskySignIn}) {
		t.Errorf("built-in types %v", got)
	}
	if engine.IsBuiltinPolicy(engine.PolicyCustom) || engine.IsBuiltinPolicy("nope") {
		t.Error("custom or an unknown type counted as built-in")
	}
}
