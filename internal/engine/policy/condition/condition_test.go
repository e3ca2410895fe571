package condition

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

var activity = time.Date(2025, 6, 14, 3, 25, 41, 500_000_000, time.UTC)

// full sets every field of a detection, each to a distinct value.
func full() *engine.Detection {
	return &engine.Detection{
		ID:                  "det-1",
		RequestID:           "req-1",
		CorrelationID:       "corr-1",
		RiskEventType:       "anonymizedIPAddress",
		RiskState:           "atRisk",
		RiskLevel:           "medium",
		RiskDetail:          "none",
		Source:              "IdentityProtection",
		DetectionTimingType: "realtime",
		Activity:            "signin",
		TokenIssuerType:     "AzureAD",
		IPAddress:           "203.0.113.7",
		Location: &engine.Location{
			City:            "Amsterdam",
			State:           "Noord-Holland",
			CountryOrRegion: "NL",
			GeoCoordinates:  &engine.GeoCoordinates{Latitude: 52.37, Longitude: 4.89},
		},
		ActivityDateTime:    activity,
		DetectedDateTime:    activity.Add(2 * time.Minute),
		LastUpdatedDateTime: activity.Add(time.Hour),
		UserID:              "user-1",
		UserDisplayName:     "Alice Example",
		UserPrincipalName:   "Alice@Contoso.com",
		AdditionalInfo:      `[{"Key":"userAgent","Value":"curl/8.0"}]`,
	}
}

// sparse has only what ingest requires: the rest was absent.
func sparse() *engine.Detection {
	return &engine.Detection{
		ID:               "det-2",
		RiskEventType:    "unfamiliarFeatures",
		ActivityDateTime: activity,
		UserID:           "user-2",
	}
}

func with(d *engine.Detection, change func(*engine.Detection)) *engine.Detection {
	change(d)
	return d
}

func TestMatch(t *testing.T) {
	tests := []struct {
		name      string
		condition string
		detection *engine.Detection
		want      bool
	}{
		// The example.
		{"example matches outside US", `detection.riskEventType == "anonymizedIPAddress" && detection.location.countryOrRegion != "US"`, full(), true},
		{"example skips US", `detection.riskEventType == "anonymizedIPAddress" && detection.location.countryOrRegion != "US"`,
			with(full(), func(d *engine.Detection) { d.Location.CountryOrRegion = "US" }), false},
		{"example skips other types", `detection.riskEventType == "anonymizedIPAddress" && detection.location.countryOrRegion != "US"`, sparse(), false},

		// Strings, every one.
		{"id", `detection.id == "det-1"`, full(), true},
		{"requestId", `detection.requestId == "req-1"`, full(), true},
		{"correlationId", `detection.correlationId == "corr-1"`, full(), true},
		{"riskEventType", `detection.riskEventType == "anonymizedIPAddress"`, full(), true},
		{"riskState", `detection.riskState == "atRisk"`, full(), true},
		{"riskLevel", `detection.riskLevel in ["medium", "high"]`, full(), true},
		{"riskLevel unknown enum kept", `detection.riskLevel == "unknownFutureValue"`,
			with(full(), func(d *engine.Detection) { d.RiskLevel = "unknownFutureValue" }), true},
		{"riskDetail", `detection.riskDetail == "none"`, full(), true},
		{"source", `detection.source == "IdentityProtection"`, full(), true},
		{"detectionTimingType", `detection.detectionTimingType == "realtime"`, full(), true},
		{"activity", `detection.activity == "signin"`, full(), true},
		{"tokenIssuerType", `detection.tokenIssuerType == "AzureAD"`, full(), true},
		{"ipAddress", `detection.ipAddress.startsWith("203.0.113.")`, full(), true},
		{"userId", `detection.userId == "user-1"`, full(), true},
		{"userDisplayName", `detection.userDisplayName == "Alice Example"`, full(), true},
		{"userPrincipalName via strings extension", `detection.userPrincipalName.lowerAscii().endsWith("@contoso.com")`, full(), true},
		{"userPrincipalName split", `detection.userPrincipalName.split("@")[1] == "Contoso.com"`, full(), true},
		{"additionalInfo", `detection.additionalInfo.contains("curl/")`, full(), true},
		{"regex", `detection.userDisplayName.matches("^Alice ")`, full(), true},
		{"string mismatch", `detection.riskState == "dismissed"`, full(), false},

		// Nested location and coordinates.
		{"city", `detection.location.city == "Amsterdam"`, full(), true},
		{"state", `detection.location.state == "Noord-Holland"`, full(), true},
		{"country in list", `detection.location.countryOrRegion in ["NL", "BE"]`, full(), true},
		{"country not in list", `!(detection.location.countryOrRegion in ["US", "CA"])`, full(), true},
		{"latitude", `detection.location.geoCoordinates.latitude > 52.0 && detection.location.geoCoordinates.latitude < 53.0`, full(), true},
		{"longitude", `detection.location.geoCoordinates.longitude < 4.0`, full(), false},
		{"latitude against an integer", `detection.location.geoCoordinates.latitude > 52 && detection.location.geoCoordinates.latitude < 53`, full(), true},

		// Times.
		{"activity after", `detection.activityDateTime > timestamp("2025-06-01T00:00:00Z")`, full(), true},
		{"activity before", `detection.activityDateTime < timestamp("2025-06-01T00:00:00Z")`, full(), false},
		{"activity exact, sub-second kept", `detection.activityDateTime == timestamp("2025-06-14T03:25:41.5Z")`, full(), true},
		{"detected after activity", `detection.detectedDateTime - detection.activityDateTime == duration("2m")`, full(), true},
		{"last updated", `detection.lastUpdatedDateTime >= detection.detectedDateTime + duration("1h")`, full(), false},
		{"hour is UTC", `detection.activityDateTime.getHours() == 3`, full(), true},
		{"non-UTC time compares as an instant", `detection.activityDateTime == timestamp("2025-06-14T03:25:41.5Z")`,
			with(full(), func(d *engine.Detection) { d.ActivityDateTime = activity.In(time.FixedZone("CEST", 2*3600)) }), true},

		// Absent fields: zero values, has() false, never an error.
		{"absent location: has", `has(detection.location)`, sparse(), false},
		{"present location: has", `has(detection.location)`, full(), true},
		{"absent location: country is empty", `detection.location.countryOrRegion == ""`, sparse(), true},
		{"absent location: != US holds", `detection.location.countryOrRegion != "US"`, sparse(), true},
		{"absent location: has country", `has(detection.location.countryOrRegion)`, sparse(), false},
		{"absent location: guarded", `has(detection.location) && detection.location.countryOrRegion != "US"`, sparse(), false},
		{"absent location: latitude is 0", `detection.location.geoCoordinates.latitude == 0.0`, sparse(), true},
		{"absent location: not null", `detection.location == null`, sparse(), false},
		{"location without coordinates", `has(detection.location.geoCoordinates)`,
			with(full(), func(d *engine.Detection) { d.Location.GeoCoordinates = nil }), false},
		{"location without coordinates: has location", `has(detection.location) && detection.location.geoCoordinates.longitude == 0.0`,
			with(full(), func(d *engine.Detection) { d.Location.GeoCoordinates = nil }), true},
		{"empty string: has", `has(detection.riskDetail)`, sparse(), false},
		{"set string: has", `has(detection.riskDetail)`, full(), true},
		{"empty string equals empty", `detection.riskLevel == ""`, sparse(), true},
		{"empty string not in levels", `detection.riskLevel in ["low", "medium", "high"]`, sparse(), false},
		{"empty string size", `size(detection.userPrincipalName) == 0`, sparse(), true},
		{"absent ip split", `detection.ipAddress.split(".").size() == 1`, sparse(), true},
		{"zero time: has", `has(detection.detectedDateTime)`, sparse(), false},
		{"set time: has", `has(detection.lastUpdatedDateTime)`, full(), true},
		{"zero time is the epoch", `detection.lastUpdatedDateTime == timestamp("1970-01-01T00:00:00Z")`, sparse(), true},
		{"zero time is before any date", `detection.detectedDateTime > timestamp("2000-01-01T00:00:00Z")`, sparse(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Compile(tt.condition)
			if err != nil {
				t.Fatalf("Compile(%q): %v", tt.condition, err)
			}
			got, err := c.Match(context.Background(), tt.detection)
			if err != nil {
				t.Fatalf("Match: %v", err)
			}
			if got != tt.want {
				t.Errorf("%s on %s = %v, want %v", tt.condition, tt.detection.ID, got, tt.want)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name      string
		condition string
		want      []string // substrings of the error
	}{
		{"empty", "", []string{"condition is empty"}},
		{"blank", " \n\t", []string{"condition is empty"}},
		{"syntax", `detection.riskLevel ==`, []string{"condition:1:23", "Syntax error"}},
		{"syntax on line 2", "detection.riskLevel == \"high\" &&\n  (detection.activity == ", []string{"condition:2:"}},
		{"unknown field", `detection.riskType == "x"`, []string{"condition:1:10", "undefined field 'riskType'"}},
		{"unknown nested field", `detection.location.country == "US"`, []string{"condition:1:19", "undefined field 'country'"}},
		{"unknown variable", `risk.riskLevel == "high"`, []string{"condition:1:1", "undeclared reference to 'risk'"}},
		{"string result", `detection.riskLevel`, []string{"must return a bool", "returns string"}},
		{"timestamp result", `detection.activityDateTime`, []string{"must return a bool", "returns timestamp"}},
		{"object result", `detection.location`, []string{"must return a bool", "returns engine.Location"}},
		{"dyn result", `dyn(true)`, []string{"must return a bool", "returns dyn"}},
		{"time compared with string", `detection.activityDateTime > "2025-06-01T00:00:00Z"`,
			[]string{"condition:1:28", "no matching overload for '_>_' applied to '(timestamp, string)'"}},
		{"number compared with string", `detection.location.geoCoordinates.latitude == "52"`, []string{"no matching overload"}},
		{"bad timestamp literal", `detection.activityDateTime > timestamp("June 1st")`, []string{"condition does not compile", "condition:1:40", "invalid timestamp argument"}},
		{"bad duration literal", `detection.detectedDateTime - detection.activityDateTime > duration("2 minutes")`, []string{"condition does not compile", "invalid duration argument"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Compile(tt.condition)
			if err == nil {
				t.Fatalf("Compile(%q) = %v, want an error", tt.condition, c)
			}
			if !errors.Is(err, engine.ErrInvalid) {
				t.Errorf("error does not wrap engine.ErrInvalid: %v", err)
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
		})
	}
}

func TestMatchErrors(t *testing.T) {
	compiled := func(expr string) *Condition {
		t.Helper()
		c, err := Compile(expr)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	tests := []struct {
		name      string
		condition *Condition
		detection *engine.Detection
		want      string
	}{
		{"index out of range", compiled(`detection.ipAddress.split(".")[3] == "7"`), sparse(), "on detection det-2: index out of bounds: 3"},
		{"bad conversion", compiled(`int(detection.requestId) > 0`), full(), "type conversion error from 'string' to 'int'"},
		{"no detection", compiled(`true`), nil, "no detection"},
		{"not compiled", nil, full(), "not compiled"},
		{"zero condition", &Condition{}, full(), "not compiled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.condition.Match(context.Background(), tt.detection)
			if err == nil {
				t.Fatalf("Match = %v, want an error", got)
			}
			if got {
				t.Errorf("Match = true alongside an error")
			}
			if !errors.Is(err, ErrEvaluation) {
				t.Errorf("error does not wrap ErrEvaluation: %v", err)
			}
			if errors.Is(err, ErrCostLimitExceeded) {
				t.Errorf("error claims the cost limit: %v", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func TestCostLimit(t *testing.T) {
	const mib = 1 << 20
	huge := with(full(), func(d *engine.Detection) { d.AdditionalInfo = strings.Repeat("a,", mib/2) })
	tenKiB := with(full(), func(d *engine.Detection) { d.AdditionalInfo = strings.Repeat("a,", 5*1024) })
	tests := []struct {
		name      string
		condition string
		detection *engine.Detection
		exceeded  bool
	}{
		// Without the limit each of these runs for minutes or more.
		{"nested split scans", `detection.additionalInfo.split(",").exists(a, detection.additionalInfo.split(",").exists(b, a + b == "zz"))`, tenKiB, true},
		{"nested literal comprehensions", strings.Repeat(`[0,1,2,3,4,5,6,7,8,9].all(x, `, 8) + `true` + strings.Repeat(`)`, 8), sparse(), true},
		{"split of a 1 MiB record", `detection.additionalInfo.split(",").exists(a, a == "zz")`, huge, true},
		// The limit leaves room for real conditions on large records.
		{"contains over 1 MiB", `detection.additionalInfo.contains("zz")`, huge, false},
		{"matches over 1 MiB", `detection.additionalInfo.matches("z+z")`, huge, false},
		{"split and scan of 10 KiB", `detection.additionalInfo.split(",").exists(a, a == "zz")`, tenKiB, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Compile(tt.condition)
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.Match(context.Background(), tt.detection)
			if !tt.exceeded {
				if err != nil || got {
					t.Fatalf("Match = %v, %v; want false, nil", got, err)
				}
				return
			}
			if !errors.Is(err, ErrCostLimitExceeded) || !errors.Is(err, ErrEvaluation) {
				t.Fatalf("Match = %v, %v; want ErrCostLimitExceeded wrapped in ErrEvaluation", got, err)
			}
			if !strings.Contains(err.Error(), tt.detection.ID) {
				t.Errorf("error %q does not name the detection", err)
			}
		})
	}
}

func TestString(t *testing.T) {
	const expr = "detection.riskLevel == \"high\"\n  && has(detection.location)"
	c, err := Compile(expr)
	if err != nil {
		t.Fatal(err)
	}
	if c.String() != expr {
		t.Errorf("String() = %q, want %q", c.String(), expr)
	}
	if (*Condition)(nil).String() != "" {
		t.Errorf("nil String() is not empty")
	}
}

// TestConcurrent runs one compiled condition, and Compile itself, from many
// goroutines; run it with -race.
func TestConcurrent(t *testing.T) {
	c, err := Compile(`detection.location.countryOrRegion != "US" && detection.activityDateTime > timestamp("2025-01-01T00:00:00Z")`)
	if err != nil {
		t.Fatal(err)
	}
	detections := []*engine.Detection{
		full(),
		sparse(),
		with(full(), func(d *engine.Detection) { d.Location.CountryOrRegion = "US" }),
		with(full(), func(d *engine.Detection) { d.ActivityDateTime = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC) }),
	}
	want := []bool{true, true, false, false}

	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 16 {
		wg.Go(func() {
			for i := range 200 {
				k := (g + i) % len(detections)
				got, err := c.Match(context.Background(), detections[k])
				if err != nil || got != want[k] {
					errs <- fmt.Errorf("goroutine %d: Match(%s) = %v, %v; want %v", g, detections[k].ID, got, err, want[k])
					return
				}
			}
			own, err := Compile(fmt.Sprintf(`detection.userId == "user-%d"`, g%3))
			if err != nil {
				errs <- err
				return
			}
			if got, err := own.Match(context.Background(), full()); err != nil || got != (g%3 == 1) {
				errs <- fmt.Errorf("goroutine %d: own condition = %v, %v", g, got, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func BenchmarkMatch(b *testing.B) {
	benchmarks := []struct{ name, condition string }{
		{"example", `detection.riskEventType == "anonymizedIPAddress" && detection.location.countryOrRegion != "US"`},
		{"has_and_coordinates", `has(detection.location.geoCoordinates) && detection.location.geoCoordinates.latitude > 50.0`},
		{"timestamp", `detection.activityDateTime > timestamp("2025-06-01T00:00:00Z")`},
		{"country_list", `detection.location.countryOrRegion in ["US", "CA", "GB", "FR", "DE", "BE", "LU", "IT", "ES", "PT"]`},
		{"upn_suffix", `detection.userPrincipalName.lowerAscii().endsWith("@contoso.com")`},
	}
	d := full()
	for _, bm := range benchmarks {
		c, err := Compile(bm.condition)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Match(context.Background(), d); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkCompile(b *testing.B) {
	if _, err := environment(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(`detection.riskEventType == "anonymizedIPAddress" && detection.location.countryOrRegion != "US"`); err != nil {
			b.Fatal(err)
		}
	}
}
