package provider

import (
	"context"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/types"
)

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{24 * time.Hour, "24h"},
		{time.Hour + 30*time.Minute, "1h30m"},
		{168 * time.Hour, "168h"},
		{90 * time.Second, "1m30s"},
		{time.Hour + 5*time.Second, "1h0m5s"},
		{45 * time.Minute, "45m"},
	}
	for _, tt := range tests {
		if got := formatDuration(tt.in); got != tt.want {
			t.Errorf("formatDuration(%v) = %q, want %q", tt.in, got, tt.want)
		}
		if back, err := time.ParseDuration(formatDuration(tt.in)); err != nil || back != tt.in {
			t.Errorf("formatDuration(%v) does not parse back: %v, %v", tt.in, back, err)
		}
	}
}

func TestDurationSemanticEquals(t *testing.T) {
	ctx := context.Background()
	v := func(s string) durationValue { return durationValue{StringValue: types.StringValue(s)} }
	tests := []struct {
		a, b string
		want bool
	}{
		{"24h", "24h0m0s", true},
		{"1440m", "24h", true},
		{"90m", "1h30m", true},
		{"24h", "12h", false},
		{"soon", "soon", false},
	}
	for _, tt := range tests {
		got, diags := v(tt.a).StringSemanticEquals(ctx, v(tt.b))
		if diags.HasError() || got != tt.want {
			t.Errorf("%q ~ %q = %t (%v), want %t", tt.a, tt.b, got, diags, tt.want)
		}
	}
}

func TestEnumText(t *testing.T) {
	if got, want := enumText([]string{"low", "medium", "high"}), "`low`, `medium` or `high`"; got != want {
		t.Errorf("enumText = %q, want %q", got, want)
	}
	if got, want := enumText([]string{"open"}), "`open`"; got != want {
		t.Errorf("enumText = %q, want %q", got, want)
	}
}
