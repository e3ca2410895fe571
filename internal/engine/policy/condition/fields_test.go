package condition

import (
	"context"
	"slices"
	"testing"

	"cel.dev/cel-go/cel"
)

// TestFieldsMatchEnvironment holds the documentation table to what CEL
// actually declares, so a field added to engine.Detection cannot go
// undocumented, and a documented field cannot vanish.
func TestFieldsMatchEnvironment(t *testing.T) {
	env, err := environment()
	if err != nil {
		t.Fatal(err)
	}
	provider := env.CELTypeProvider()
	declared := map[string]string{Variable: detectionType}
	var walk func(prefix, typeName string)
	walk = func(prefix, typeName string) {
		names, ok := provider.FindStructFieldNames(typeName)
		if !ok {
			t.Fatalf("type %s is not declared", typeName)
		}
		for _, name := range names {
			ft, ok := provider.FindStructFieldType(typeName, name)
			if !ok {
				t.Fatalf("field %s.%s has no type", typeName, name)
			}
			path := prefix + "." + name
			declared[path] = cel.FormatCELType(ft.Type)
			if ft.Type.Kind() == cel.StructKind {
				walk(path, ft.Type.TypeName())
			}
		}
	}
	walk(Variable, detectionType)

	documented := map[string]string{}
	for _, f := range Fields() {
		if _, dup := documented[f.Name]; dup {
			t.Errorf("field %s is listed twice", f.Name)
		}
		documented[f.Name] = f.Type
		if f.Description == "" {
			t.Errorf("field %s has no description", f.Name)
		}
	}
	for name, typ := range declared {
		if got, ok := documented[name]; !ok {
			t.Errorf("declared field %s (%s) is not in Fields()", name, typ)
		} else if got != typ {
			t.Errorf("Fields() says %s is %s, CEL declares %s", name, got, typ)
		}
	}
	for name := range documented {
		if _, ok := declared[name]; !ok {
			t.Errorf("Fields() lists %s, which CEL does not declare", name)
		}
	}
}

// TestEveryFieldIsSetInFull checks that the full fixture sets every field,
// so the tests that use it exercise them all.
func TestEveryFieldIsSetInFull(t *testing.T) {
	for _, f := range Fields() {
		if f.Name == Variable {
			continue
		}
		c, err := Compile("has(" + f.Name + ")")
		if err != nil {
			t.Fatalf("has(%s): %v", f.Name, err)
		}
		got, err := c.Match(context.Background(), full())
		if err != nil || !got {
			t.Errorf("has(%s) on full() = %v, %v; want true", f.Name, got, err)
		}
		if f.Name == "detection.id" || f.Name == "detection.userId" || f.Name == "detection.riskEventType" || f.Name == "detection.activityDateTime" {
			continue
		}
		if got, err := c.Match(context.Background(), sparse()); err != nil || got {
			t.Errorf("has(%s) on sparse() = %v, %v; want false", f.Name, got, err)
		}
	}
	if !slices.ContainsFunc(Fields(), func(f Field) bool { return f.Name == "detection.location.geoCoordinates.longitude" }) {
		t.Error("Fields() lacks the deepest field")
	}
}
