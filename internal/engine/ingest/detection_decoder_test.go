package ingest

import (
	"strings"
	"testing"
	"time"
)

// good is a valid record; the cases below change one property at a time.
const good = `{"id":"d1","requestId":"r1","correlationId":null,"riskEventType":"unfamiliarFeatures","riskState":"atRisk","riskLevel":"low","riskDetail":"none","source":"IdentityProtection","detectionTimingType":"realtime","activity":"signin","tokenIssuerType":"AzureAD","ipAddress":"10.0.0.1","location":{"city":"Lima","state":"Lima","countryOrRegion":"PE","geoCoordinates":{"latitude":-12.5,"longitude":-77.25}},"activityDateTime":"2025-06-01T03:13:04.9881330Z","detectedDateTime":"2025-06-01T03:26:10.351Z","lastUpdatedDateTime":"2025-06-01T03:26:10.351Z","userId":"u1","userDisplayName":"Mei Lind","userPrincipalName":"mei@example.com","additionalInfo":"[{\"Key\":\"userAgent\",\"Value\":\"x\"}]"}`

// with replaces one property of good (or adds it): with("riskLevel", `5`).
func with(name, value string) string {
	i := strings.Index(good, `"`+name+`":`)
	if i < 0 {
		return strings.TrimSuffix(good, "}") + `,"` + name + `":` + value + `}`
	}
	rest := good[i+len(name)+3:]
	end := valueEnd(rest)
	return good[:i+len(name)+3] + value + rest[end:]
}

// without drops one property of good.
func without(name string) string {
	i := strings.Index(good, `"`+name+`":`)
	rest := good[i+len(name)+3:]
	end := valueEnd(rest)
	out := good[:i] + strings.TrimPrefix(rest[end:], ",")
	return strings.Replace(out, ",}", "}", 1)
}

// valueEnd finds the end of the JSON value at the start of s (test inputs
// only: objects nest, strings have escaped quotes).
func valueEnd(s string) int {
	depth, inString := 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inString && c == '\\':
			i++
		case inString && c == '"':
			inString = false
		case inString:
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			if depth == 0 {
				return i
			}
			depth--
		case c == ',' && depth == 0:
			return i
		}
	}
	return len(s)
}

func TestDecodeQuarantineRules(t *testing.T) {
	cases := []struct {
		name   string
		raw    string
		reason string
	}{
		{"not JSON", `{"id": "d1",`, "not valid JSON"},
		{"garbage", `hello`, "not valid JSON"},
		{"array", `[1,2]`, "not a JSON object (it is array)"},
		{"string", `"x"`, "not a JSON object (it is string)"},
		{"id missing", without("id"), "id is missing"},
		{"id null", with("id", `null`), "id is missing"},
		{"id empty", with("id", `""`), "id is empty"},
		{"id number", with("id", `42`), "id is not a string (it is number)"},
		{"userId missing", without("userId"), "userId is missing"},
		{"userId empty", with("userId", `""`), "userId is empty"},
		{"userId object", with("userId", `{}`), "userId is not a string (it is object)"},
		{"riskEventType missing", without("riskEventType"), "riskEventType is missing"},
		{"riskEventType empty", with("riskEventType", `""`), "riskEventType is empty"},
		{"riskEventType bool", with("riskEventType", `true`), "riskEventType is not a string"},
		{"activityDateTime missing", without("activityDateTime"), "activityDateTime is missing"},
		{"activityDateTime not a time", with("activityDateTime", `"yesterday"`), `activityDateTime is not an ISO-8601 time: "yesterday"`},
		{"activityDateTime bad month", with("activityDateTime", `"2025-13-01T00:00:00Z"`), "activityDateTime is not an ISO-8601 time"},
		{"activityDateTime Feb 30", with("activityDateTime", `"2025-02-30T00:00:00Z"`), "activityDateTime is not an ISO-8601 time"},
		{"activityDateTime number", with("activityDateTime", `1717200000`), "activityDateTime is not an ISO-8601 time (it is number)"},
		{"riskLevel number", with("riskLevel", `3`), "riskLevel is not a string or null (it is number)"},
		{"riskState object", with("riskState", `{"a":1}`), "riskState is not a string or null (it is object)"},
		{"activity array", with("activity", `["signin"]`), "activity is not a string or null (it is array)"},
		{"lastUpdatedDateTime bad", with("lastUpdatedDateTime", `"2025-06-01 nope"`), "lastUpdatedDateTime is not an ISO-8601 time"},
		{"detectedDateTime bad", with("detectedDateTime", `"06/01/2025"`), "detectedDateTime is not an ISO-8601 time"},
		{"detectedDateTime number", with("detectedDateTime", `7`), "detectedDateTime is not an ISO-8601 time (it is number)"},
		// Unix nanoseconds cannot hold these: stored, they would wrap.
		{"activityDateTime year 9999", with("activityDateTime", `"9999-12-31T23:59:59Z"`), `activityDateTime "9999-12-31T23:59:59Z" is outside the years 1678 to 2261`},
		{"activityDateTime year 1", with("activityDateTime", `"0001-01-01T00:00:00Z"`), "activityDateTime \"0001-01-01T00:00:00Z\" is outside"},
		{"activityDateTime 2262 with an offset", with("activityDateTime", `"2262-01-01T03:00:00+02:00"`), "is outside the years 1678 to 2261"},
		{"detectedDateTime 1677", with("detectedDateTime", `"1677-12-31T23:59:59.999999999Z"`), "detectedDateTime \"1677-12-31T23:59:59.999999999Z\" is outside"},
		{"lastUpdatedDateTime 2300", with("lastUpdatedDateTime", `"2300-01-01T00:00:00Z"`), "lastUpdatedDateTime \"2300-01-01T00:00:00Z\" is outside"},
	}
	var dec DetectionDecoder
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := dec.Decode([]byte(tc.raw))
			if err == nil {
				t.Fatalf("accepted %s; want quarantine with %q", tc.raw, tc.reason)
			}
			if !strings.Contains(err.Reason, tc.reason) {
				t.Fatalf("reason %q does not say %q", err.Reason, tc.reason)
			}
		})
	}
}

func TestDecodeAcceptedOddities(t *testing.T) {
	cases := []struct {
		name  string
		raw   string
		check func(t *testing.T, d detectionView)
	}{
		{"the sample shape", good, func(t *testing.T, d detectionView) {
			want(t, d.ID == "d1" && d.UserID == "u1" && d.RiskEventType == "unfamiliarFeatures" && d.RiskLevel == "low" &&
				d.Activity == "signin" && d.Location.City == "Lima" && d.Location.GeoCoordinates.Latitude == -12.5 &&
				d.ActivityDateTime.Equal(time.Date(2025, 6, 1, 3, 13, 4, 988133000, time.UTC)) &&
				d.AdditionalInfo == `[{"Key":"userAgent","Value":"x"}]`, "fields decoded")
		}},
		{"unknown token issuer", with("tokenIssuerType", `"Azure Active Directory"`), func(t *testing.T, d detectionView) {
			want(t, d.TokenIssuerType == "Azure Active Directory", "kept as is")
		}},
		{"unknown risk level", with("riskLevel", `"unknownFutureValue"`), func(t *testing.T, d detectionView) {
			want(t, d.RiskLevel == "unknownFutureValue" && d.Severity() == "", "stored, never alerts")
		}},
		{"hidden risk level", with("riskLevel", `"hidden"`), func(t *testing.T, d detectionView) {
			want(t, d.Severity() == "", "no severity")
		}},
		{"null activity", with("activity", `null`), func(t *testing.T, d detectionView) {
			want(t, d.Activity == "", "null is empty")
		}},
		{"odd ip address", with("ipAddress", `"not-an-ip"`), func(t *testing.T, d detectionView) {
			want(t, d.IPAddress == "not-an-ip", "kept")
		}},
		{"ipv6", with("ipAddress", `"2001:db8::1"`), func(t *testing.T, d detectionView) {
			want(t, d.IPAddress == "2001:db8::1", "kept")
		}},
		{"numeric ip address", with("ipAddress", `12345`), func(t *testing.T, d detectionView) {
			want(t, d.IPAddress == "12345", "kept as its JSON text")
		}},
		{"null location", with("location", `null`), func(t *testing.T, d detectionView) {
			want(t, d.Location == nil, "no location")
		}},
		{"location not an object", with("location", `"Lima"`), func(t *testing.T, d detectionView) {
			want(t, d.Location == nil, "no location")
		}},
		{"coordinates not numbers", with("location", `{"city":"X","geoCoordinates":{"latitude":"n","longitude":1}}`), func(t *testing.T, d detectionView) {
			want(t, d.Location.City == "X" && d.Location.GeoCoordinates == nil, "coordinates dropped, city kept")
		}},
		{"beta riskType", strings.Replace(without("riskEventType"), `"id"`, `"riskType":"leakedCredentials","id"`, 1), func(t *testing.T, d detectionView) {
			want(t, d.RiskEventType == "leakedCredentials", "riskType read as riskEventType")
		}},
		{"riskEventType wins over riskType", with("riskType", `"other"`), func(t *testing.T, d detectionView) {
			want(t, d.RiskEventType == "unfamiliarFeatures", "v1.0 name first")
		}},
		{"no optional times", without("lastUpdatedDateTime"), func(t *testing.T, d detectionView) {
			want(t, d.LastUpdatedDateTime.IsZero() && d.Version().Equal(d.DetectedDateTime), "version falls back to detectedDateTime")
		}},
		{"the first time the engine stores", with("activityDateTime", `"1678-01-01T00:00:00Z"`), func(t *testing.T, d detectionView) {
			want(t, d.ActivityDateTime.Equal(time.Date(1678, 1, 1, 0, 0, 0, 0, time.UTC)), "kept exactly")
		}},
		{"the last time the engine stores", with("lastUpdatedDateTime", `"2261-12-31T23:59:59.999999999Z"`), func(t *testing.T, d detectionView) {
			want(t, d.LastUpdatedDateTime.Equal(time.Date(2261, 12, 31, 23, 59, 59, 999999999, time.UTC)), "kept exactly")
		}},
		{"offset time", with("activityDateTime", `"2025-06-01T05:13:04+02:00"`), func(t *testing.T, d detectionView) {
			want(t, d.ActivityDateTime.Equal(time.Date(2025, 6, 1, 3, 13, 4, 0, time.UTC)) && d.ActivityDateTime.Location() == time.UTC, "normalized to UTC")
		}},
		{"time without zone", with("activityDateTime", `"2025-06-01T03:13:04.5"`), func(t *testing.T, d detectionView) {
			want(t, d.ActivityDateTime.Equal(time.Date(2025, 6, 1, 3, 13, 4, 5e8, time.UTC)), "taken as UTC")
		}},
		{"leap day", with("activityDateTime", `"2024-02-29T23:59:59Z"`), func(t *testing.T, d detectionView) {
			want(t, d.ActivityDateTime.Day() == 29, "leap day accepted")
		}},
		{"nine fractional digits", with("activityDateTime", `"2025-06-01T03:13:04.123456789Z"`), func(t *testing.T, d detectionView) {
			want(t, d.ActivityDateTime.Nanosecond() == 123456789, "nanoseconds kept")
		}},
		{"additionalInfo not a string", with("additionalInfo", `[{"Key":"a"}]`), func(t *testing.T, d detectionView) {
			want(t, d.AdditionalInfo == `[{"Key":"a"}]`, "kept as JSON text")
		}},
		{"unknown properties", with("brandNewProperty", `{"x":[1,2]}`), func(t *testing.T, d detectionView) {
			want(t, d.ID == "d1", "ignored")
		}},
		{"unicode and escapes", with("userDisplayName", `"\u00c5sa \"Q\" M\u00fcller"`), func(t *testing.T, d detectionView) {
			want(t, d.UserDisplayName == `Åsa "Q" Müller`, "unescaped")
		}},
	}
	var dec DetectionDecoder
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := dec.Decode([]byte(tc.raw))
			if err != nil {
				t.Fatalf("quarantined %s: %s", tc.raw, err.Reason)
			}
			tc.check(t, detectionView{d})
		})
	}
}

func want(t *testing.T, ok bool, what string) {
	t.Helper()
	if !ok {
		t.Fatalf("check failed: %s", what)
	}
}

func TestDecodeDevice(t *testing.T) {
	var dec DeviceDecoder
	d, err := dec.Decode([]byte(`{"id":"x","userId":"u","managementState":"managed","complianceState":"compliant","lastSyncDateTime":"2025-06-01T00:00:00Z","operatingSystem":7}`))
	if err != nil || !d.ManagedAndCompliant() || d.OperatingSystem != "7" || d.LastSyncDateTime.Year() != 2025 {
		t.Fatalf("got %+v, %v", d, err)
	}
	for raw, reason := range map[string]string{
		`{"userId":"u"}`:         "id is missing",
		`{"id":"x"}`:             "userId is missing",
		`{"id":"x","userId":""}`: "userId is empty",
		`{"id":"x","userId":"u","lastSyncDateTime":"no"}`:                   "lastSyncDateTime is not an ISO-8601 time",
		`{"id":"x","userId":"u","lastSyncDateTime":"9999-12-31T23:59:59Z"}`: `lastSyncDateTime "9999-12-31T23:59:59Z" is outside the years 1678 to 2261`,
		`[]`: "not a JSON object",
	} {
		if _, err := dec.Decode([]byte(raw)); err == nil || !strings.Contains(err.Reason, reason) {
			t.Errorf("%s: got %v, want %q", raw, err, reason)
		}
	}
}
