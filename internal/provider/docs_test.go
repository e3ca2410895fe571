package provider

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/idp/terraform-provider-idp/internal/engine/policy/condition"
)

// The idp_policy page's table of CEL variables is generated from
// condition.Fields(), which a test of its own holds to the CEL
// environment, so the documentation cannot drift from what a condition
// can use. `scripts/docs.sh generate` rewrites the table with
// -update-templates before tfplugindocs runs; without it, a stale table
// fails this test.
var updateTemplates = flag.Bool("update-templates", false, "rewrite generated parts of templates/")

const (
	policyTemplate   = "../../templates/resources/policy.md.tmpl"
	fieldsTableBegin = "{{/* Generated from condition.Fields()"
	fieldsTableEnd   = "{{/* End of the generated table. */}}"
)

// conditionFieldsTable is the Markdown table of condition.Fields().
func conditionFieldsTable() string {
	var b strings.Builder
	b.WriteString("| field | CEL type | description |\n|---|---|---|\n")
	for _, f := range condition.Fields() {
		fmt.Fprintf(&b, "| `%s` | `%s` | %s |\n", f.Name, f.Type, strings.ReplaceAll(f.Description, "|", `\|`))
	}
	return b.String()
}

func TestPolicyTemplateFieldsTable(t *testing.T) {
	raw, err := os.ReadFile(filepath.FromSlash(policyTemplate))
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	begin := strings.Index(text, fieldsTableBegin)
	end := strings.Index(text, fieldsTableEnd)
	if begin < 0 || end < begin {
		t.Fatalf("%s has no generated table between %q and %q", policyTemplate, fieldsTableBegin, fieldsTableEnd)
	}
	begin += strings.Index(text[begin:], "\n") + 1 // the table starts on the line after the marker
	want := conditionFieldsTable()
	if text[begin:end] == want {
		return
	}
	if !*updateTemplates {
		t.Fatalf("the table of CEL variables in %s differs from condition.Fields(): run `make docs`.\ngot:\n%s\nwant:\n%s",
			policyTemplate, text[begin:end], want)
	}
	if err := os.WriteFile(filepath.FromSlash(policyTemplate), []byte(text[:begin]+want+text[end:]), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("rewrote the table of CEL variables in %s", policyTemplate)
}
