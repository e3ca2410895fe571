package client

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The client and the server share the wire contract through internal/api;
// the client never imports the server (its tests may, to start one).
func TestClientDoesNotImportTheServer(t *testing.T) {
	const server = "github.com/idp/terraform-provider-idp/internal/server"
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
			if p, _ := strconv.Unquote(imp.Path.Value); p == server || strings.HasPrefix(p, server+"/") {
				t.Errorf("%s imports %s: the wire contract is internal/api", name, p)
			}
		}
	}
}
