package policy

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/policy/condition"
)

const anonymized = `detection.riskEventType == "anonymizedIPAddress"`

func TestValidateName(t *testing.T) {
	tests := []struct {
		name string
		want string // substring of the error; "" for a valid name
	}{
		{"a", ""},
		{"0", ""},
		{"anonymized-ip.outside_us", ""},
		{"9lives", ""},
		{strings.Repeat("a", 63), ""},
		{strings.Repeat("a", 64), "1 to 63 characters"},
		{"", "needs a name"},
		{"Upper", "1 to 63 characters"},
		{"-leading-dash", "1 to 63 characters"},
		{"_leading", "1 to 63 characters"},
		{".hidden", "1 to 63 characters"},
		{"with space", "1 to 63 characters"},
		{"slash/in", "1 to 63 characters"},
		{"ünicode", "1 to 63 characters"},
		{"trailing\n", "1 to 63 characters"},
		{engine.PolicyLeakedCredentials, "name of a policy type"},
		{engine.PolicyRiskySignIn, "name of a policy type"},
		{engine.PolicyCustom, "name of a policy type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateName(tt.name)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("ValidateName(%q) = %v, want nil", tt.name, err)
				}
				return
			}
			assertFieldError(t, err, "name", tt.want)
		})
	}
}

func TestNormalizeCustom(t *testing.T) {
	day := engine.Duration(24 * time.Hour)
	tests := []struct {
		name  string
		in    engine.Policy
		want  engine.Policy
		field string // of the expected error; "" when valid
		msg   string
	}{
		{
			name: "defaults: detection, low",
			in:   engine.Policy{Type: "custom", Name: "p", Enabled: true, Condition: anonymized},
			want: engine.Policy{Type: "custom", Name: "p", Enabled: true, Condition: anonymized, Severity: "low", GroupBy: "detection"},
		},
		{
			name: "group by user takes the 24h window",
			in:   engine.Policy{Type: "custom", Name: "p", Condition: anonymized, GroupBy: "user", Severity: "high"},
			want: engine.Policy{Type: "custom", Name: "p", Condition: anonymized, GroupBy: "user", Severity: "high", AggregationWindow: day},
		},
		{
			name: "explicit window and remediation kept",
			in: engine.Policy{Type: "custom", Name: "p", Condition: anonymized, GroupBy: "user", Severity: "medium",
				AggregationWindow: engine.Duration(6 * time.Hour), RemediateRiskyUsers: true},
			want: engine.Policy{Type: "custom", Name: "p", Condition: anonymized, GroupBy: "user", Severity: "medium",
				AggregationWindow: engine.Duration(6 * time.Hour), RemediateRiskyUsers: true},
		},
		{name: "no name", in: engine.Policy{Type: "custom", Condition: anonymized}, field: "name", msg: "needs a name"},
		{name: "built-in name", in: engine.Policy{Type: "custom", Name: "risky_sign_in", Condition: anonymized}, field: "name", msg: "policy type"},
		{name: "no condition", in: engine.Policy{Type: "custom", Name: "p"}, field: "condition", msg: "condition is empty"},
		{name: "condition does not compile", in: engine.Policy{Type: "custom", Name: "p", Condition: `detection.riskLevl == "high"`},
			field: "condition", msg: "undefined field 'riskLevl'"},
		{name: "condition not a bool", in: engine.Policy{Type: "custom", Name: "p", Condition: `detection.riskLevel`},
			field: "condition", msg: "must return a bool"},
		{name: "window with group by detection", in: engine.Policy{Type: "custom", Name: "p", Condition: anonymized, AggregationWindow: day},
			field: "aggregation_window", msg: "takes no aggregation window"},
		{name: "window too short", in: engine.Policy{Type: "custom", Name: "p", Condition: anonymized, GroupBy: "user",
			AggregationWindow: engine.Duration(time.Minute)}, field: "aggregation_window", msg: "outside the allowed range"},
		{name: "window too long", in: engine.Policy{Type: "custom", Name: "p", Condition: anonymized, GroupBy: "user",
			AggregationWindow: engine.Duration(8 * 24 * time.Hour)}, field: "aggregation_window", msg: "outside the allowed range"},
		{name: "unknown group_by", in: engine.Policy{Type: "custom", Name: "p", Condition: anonymized, GroupBy: "tenant"},
			field: "group_by", msg: `"tenant" is not one of`},
		{name: "bad severity", in: engine.Policy{Type: "custom", Name: "p", Condition: anonymized, Severity: "critical"},
			field: "severity", msg: `"critical"`},
		{name: "built-in refuses a condition", in: engine.Policy{Type: "leaked_credentials", Condition: anonymized},
			field: "condition", msg: "only custom policies"},
		{name: "built-in refuses a name", in: engine.Policy{Type: "risky_sign_in", Name: "p"},
			field: "name", msg: "only custom policies"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Normalize(tt.in)
			if tt.field != "" {
				assertFieldError(t, err, tt.field, tt.msg)
				return
			}
			if err != nil {
				t.Fatalf("Normalize: %v", err)
			}
			if got != tt.want {
				t.Errorf("Normalize = %+v, want %+v", got, tt.want)
			}
			if _, err := Compile(tt.in); err != nil {
				t.Errorf("Compile of a valid policy: %v", err)
			}
		})
	}
}

func TestCustomDefaultAndRegistry(t *testing.T) {
	plugin, err := Lookup(engine.PolicyCustom)
	if err != nil {
		t.Fatal(err)
	}
	if plugin.Builtin() {
		t.Error("custom is built-in")
	}
	if IsBuiltin(engine.PolicyCustom) {
		t.Error("IsBuiltin(custom) = true")
	}
	for _, b := range Builtins() {
		if b.Type == engine.PolicyCustom {
			t.Error("Builtins lists custom")
		}
	}
	want := engine.Policy{Type: "custom", Enabled: true, Severity: "low", GroupBy: "detection"}
	if d := plugin.Default(); d != want {
		t.Errorf("Default = %+v, want %+v", d, want)
	}
}

// TestCompiledGroup checks a custom policy's groups: per detection, or per
// user and window, under the policy's name.
func TestCompiledGroup(t *testing.T) {
	at := time.Date(2025, 6, 14, 13, 0, 0, 0, time.UTC)
	d := &engine.Detection{ID: "d1", UserID: "u1", RiskEventType: "anonymizedIPAddress", ActivityDateTime: at}
	other := &engine.Detection{ID: "d2", UserID: "u1", RiskEventType: "unfamiliarFeatures", ActivityDateTime: at}
	key := engine.KeyOf(d.ID)

	perDetection, err := Compile(engine.Policy{Type: "custom", Name: "anon", Condition: anonymized})
	if err != nil {
		t.Fatal(err)
	}
	perUser, err := Compile(engine.Policy{Type: "custom", Name: "anon", Condition: anonymized, GroupBy: "user",
		AggregationWindow: engine.Duration(6 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		c    *Compiled
		d    *engine.Detection
		ok   bool
		want engine.GroupKey
	}{
		{"per detection", perDetection, d, true, engine.DetectionGroup("anon", key)},
		{"per user window", perUser, d, true, engine.WindowGroup("anon", "u1", time.Date(2025, 6, 14, 12, 0, 0, 0, time.UTC), 6*time.Hour)},
		{"not selected", perDetection, other, false, engine.GroupKey{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, ok, err := tt.c.Group(context.Background(), tt.d, engine.KeyOf(tt.d.ID))
			if err != nil || ok != tt.ok || g != tt.want {
				t.Errorf("Group = %x, %v, %v; want %x, %v, nil", g, ok, err, tt.want, tt.ok)
			}
			if ok && g.Policy() != engine.PolicyTagOf("anon") {
				t.Errorf("group is not tagged with the policy's name")
			}
		})
	}
}

// TestCompiledGroupError: Group passes an evaluation error on, so that
// ingest can count it and go on.
func TestCompiledGroupError(t *testing.T) {
	c, err := Compile(engine.Policy{Type: "custom", Name: "p", Condition: `detection.ipAddress.split(".")[3] == "7"`})
	if err != nil {
		t.Fatal(err)
	}
	d := &engine.Detection{ID: "d1", UserID: "u1", RiskEventType: "x"}
	_, ok, err := c.Group(context.Background(), d, engine.KeyOf(d.ID))
	if ok || !errors.Is(err, condition.ErrEvaluation) {
		t.Errorf("Group = %v, %v; want false and ErrEvaluation", ok, err)
	}
}

func assertFieldError(t *testing.T, err error, field, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want an error on %s, got nil", field)
	}
	var fe *engine.FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v is not a FieldError", err)
	}
	if fe.Field != field {
		t.Errorf("FieldError.Field = %q, want %q (%v)", fe.Field, field, err)
	}
	if !errors.Is(err, engine.ErrInvalid) {
		t.Errorf("error does not wrap engine.ErrInvalid: %v", err)
	}
	if !strings.Contains(err.Error(), msg) {
		t.Errorf("error %q does not contain %q", err, msg)
	}
}
