package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/attr/xattr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// durationType is a string holding a Go duration ("24h", "90m"). Values
// that parse to the same duration are semantically equal, so the engine's
// "24h0m0s" never replaces the "1440m" a user wrote, and an apply or a
// refresh shows no difference where there is none.
type durationType struct {
	basetypes.StringType
}

var (
	_ basetypes.StringTypable                    = durationType{}
	_ basetypes.StringValuableWithSemanticEquals = durationValue{}
	_ xattr.ValidateableAttribute                = durationValue{}
)

func (t durationType) String() string { return "provider.durationType" }

func (t durationType) Equal(o attr.Type) bool {
	_, ok := o.(durationType)
	return ok
}

func (t durationType) ValueType(context.Context) attr.Value { return durationValue{} }

func (t durationType) ValueFromString(_ context.Context, in basetypes.StringValue) (basetypes.StringValuable, diag.Diagnostics) {
	return durationValue{StringValue: in}, nil
}

func (t durationType) ValueFromTerraform(ctx context.Context, in tftypes.Value) (attr.Value, error) {
	v, err := t.StringType.ValueFromTerraform(ctx, in)
	if err != nil {
		return nil, err
	}
	s, ok := v.(basetypes.StringValue)
	if !ok {
		return nil, fmt.Errorf("unexpected value type %T", v)
	}
	return durationValue{StringValue: s}, nil
}

// durationValue is a value of durationType.
type durationValue struct {
	basetypes.StringValue
}

func durationNull() durationValue { return durationValue{StringValue: basetypes.NewStringNull()} }

func durationOf(d time.Duration) durationValue {
	return durationValue{StringValue: basetypes.NewStringValue(formatDuration(d))}
}

func (v durationValue) Type(context.Context) attr.Type { return durationType{} }

func (v durationValue) Equal(o attr.Value) bool {
	other, ok := o.(durationValue)
	return ok && v.StringValue.Equal(other.StringValue)
}

// Duration parses the value; call it on known, non-null values only.
func (v durationValue) Duration() (time.Duration, error) {
	return time.ParseDuration(v.ValueString())
}

func (v durationValue) StringSemanticEquals(_ context.Context, newValuable basetypes.StringValuable) (bool, diag.Diagnostics) {
	other, ok := newValuable.(durationValue)
	if !ok {
		return false, nil
	}
	a, errA := v.Duration()
	b, errB := other.Duration()
	return errA == nil && errB == nil && a == b, nil
}

func (v durationValue) ValidateAttribute(_ context.Context, req xattr.ValidateAttributeRequest, resp *xattr.ValidateAttributeResponse) {
	if v.IsNull() || v.IsUnknown() {
		return
	}
	if _, err := v.Duration(); err != nil {
		resp.Diagnostics.Append(invalidDuration(req.Path, v.ValueString(), err))
	}
}

// formatDuration writes a duration the way people do: "24h" rather than
// Go's "24h0m0s", "1h30m" rather than "1h30m0s".
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
