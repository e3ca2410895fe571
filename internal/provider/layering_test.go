package provider

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The provider reaches the engine only through its client, and knows of
// the engine only its root package's types: whatever needs the engine's
// rules (the policy registry, the Graph settings) is asked of the client,
// so that in remote mode the server's rules apply. Tests may reach
// further, to set up and inspect engines.
func TestProviderImportsOnlyTheClientAndTheEngineRoot(t *testing.T) {
	const module = "github.com/idp/terraform-provider-idp/"
	allowed := map[string]bool{module + "internal/client": true, module + "internal/engine": true}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(p, module) && !allowed[p] {
				t.Errorf("%s imports %s: the provider goes through internal/client and the engine's root types only", name, p)
			}
		}
	}
}
