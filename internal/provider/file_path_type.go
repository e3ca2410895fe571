package provider

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// filePathType is a string naming a file. A relative path and its
// absolute form (against the directory Terraform runs in, the root
// module's) name the same file and are semantically equal, so the absolute
// path the engine stores never replaces the relative one a user wrote, and
// an import, whose state can only hold the absolute form, plans no change.
type filePathType struct {
	basetypes.StringType
}

var (
	_ basetypes.StringTypable                    = filePathType{}
	_ basetypes.StringValuableWithSemanticEquals = filePathValue{}
)

func (t filePathType) String() string { return "provider.filePathType" }

func (t filePathType) Equal(o attr.Type) bool {
	_, ok := o.(filePathType)
	return ok
}

func (t filePathType) ValueType(context.Context) attr.Value { return filePathValue{} }

func (t filePathType) ValueFromString(_ context.Context, in basetypes.StringValue) (basetypes.StringValuable, diag.Diagnostics) {
	return filePathValue{StringValue: in}, nil
}

func (t filePathType) ValueFromTerraform(ctx context.Context, in tftypes.Value) (attr.Value, error) {
	v, err := t.StringType.ValueFromTerraform(ctx, in)
	if err != nil {
		return nil, err
	}
	s, ok := v.(basetypes.StringValue)
	if !ok {
		return nil, fmt.Errorf("unexpected value type %T", v)
	}
	return filePathValue{StringValue: s}, nil
}

// filePathValue is a value of filePathType.
type filePathValue struct {
	basetypes.StringValue
}

func filePathOf(p string) filePathValue {
	return filePathValue{StringValue: basetypes.NewStringValue(p)}
}

func (v filePathValue) Type(context.Context) attr.Type { return filePathType{} }

func (v filePathValue) Equal(o attr.Value) bool {
	other, ok := o.(filePathValue)
	return ok && v.StringValue.Equal(other.StringValue)
}

func (v filePathValue) StringSemanticEquals(_ context.Context, newValuable basetypes.StringValuable) (bool, diag.Diagnostics) {
	other, ok := newValuable.(filePathValue)
	if !ok || v.IsNull() || v.IsUnknown() || other.IsNull() || other.IsUnknown() {
		return false, nil
	}
	return sameFile(v.ValueString(), other.ValueString()), nil
}

// sameFile reports whether two paths name one file once made absolute
// against the working directory. It compares names, not inodes: a file
// that does not exist yet is still named.
func sameFile(a, b string) bool {
	if a == b {
		return true
	}
	absA, errA := filepath.Abs(a)
	absB, errB := filepath.Abs(b)
	return errA == nil && errB == nil && absA == absB
}
