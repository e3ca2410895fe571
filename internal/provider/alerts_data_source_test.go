package provider

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/idp/terraform-provider-idp/internal/client"
	"github.com/idp/terraform-provider-idp/internal/engine"
)

// testdata/detections.ndjson holds eight detections of three users, built
// so that every filter separates the alerts differently. Under the default
// policies (leaked credentials from low; risky sign-ins from high,
// aggregated per user and 24h window) they raise five alerts, newest
// first by last_seen:
//
//	policy              user   severity  status    first_seen .. last_seen
//	risky_sign_in       bob    high      resolved  06-04T05:00 (rs-bob-2, dismissed)
//	leaked_credentials  carol  medium    open      06-03T01:00
//	leaked_credentials  bob    high      resolved  06-02T01:00 (remediated)
//	risky_sign_in       alice  high      open      06-01T10:00 .. 06-01T12:00:00.5 (two members)
//	leaked_credentials  alice  low       open      06-01T01:00
//
// and none for bob's medium sign-in window of 06-02 (below high) nor for
// carol's hidden-level sign-in.
const (
	alice = "alice@contoso.example"
	bob   = "bob@contoso.example"
	carol = "carol@contoso.example"
)

type alertKey struct{ policy, user string }

// alertsAre checks a data source's alerts by policy and user, in order.
func alertsAre(address string, want ...alertKey) statecheck.StateCheck {
	checks := make([]knownvalue.Check, len(want))
	for i, k := range want {
		checks[i] = knownvalue.ObjectPartial(map[string]knownvalue.Check{
			"policy":              knownvalue.StringExact(k.policy),
			"user_principal_name": knownvalue.StringExact(k.user),
		})
	}
	return statecheck.ExpectKnownValue(address, tfjsonpath.New("alerts"), knownvalue.ListExact(checks))
}

func totalIs(address string, n int64) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(address, tfjsonpath.New("total"), knownvalue.Int64Exact(n))
}

var rfc3339Pattern = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$`)

func TestAccAlertsDataSource_filters(t *testing.T) {
	e := newTestEnv(t)
	var (
		rsBob   = alertKey{engine.PolicyRiskySignIn, bob}
		lcCarol = alertKey{engine.PolicyLeakedCredentials, carol}
		lcBob   = alertKey{engine.PolicyLeakedCredentials, bob}
		rsAlice = alertKey{engine.PolicyRiskySignIn, alice}
		lcAlice = alertKey{engine.PolicyLeakedCredentials, alice}
	)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{{
			PreConfig: e.ingestFile(testdataPath(t, "detections.ndjson")),
			Config: e.config(fmt.Sprintf(`
data "idp_alerts" "all" {}

data "idp_alerts" "leaked" {
  policy = "leaked_credentials"
}

data "idp_alerts" "risky" {
  policy = "risky_sign_in"
}

data "idp_alerts" "medium_and_up" {
  min_severity = "medium"
}

data "idp_alerts" "high" {
  min_severity = "high"
}

data "idp_alerts" "open" {
  status = "open"
}

data "idp_alerts" "resolved" {
  status = "resolved"
}

data "idp_alerts" "alice" {
  user_principal_name = %q
}

data "idp_alerts" "since" {
  since = "2025-06-02T00:00:00Z"
}

data "idp_alerts" "until" {
  until = "2025-06-02T00:00:00Z"
}

data "idp_alerts" "risky_open" {
  policy = "risky_sign_in"
  status = "open"
}

data "idp_alerts" "first_two" {
  limit = 2
}

data "idp_alerts" "unlimited" {
  limit = 0
}

data "idp_alerts" "nobody" {
  user_principal_name = "nobody@contoso.example"
}
`, alice)),
			ConfigStateChecks: []statecheck.StateCheck{
				totalIs("data.idp_alerts.all", 5),
				alertsAre("data.idp_alerts.all", rsBob, lcCarol, lcBob, rsAlice, lcAlice),
				alertsAre("data.idp_alerts.leaked", lcCarol, lcBob, lcAlice),
				alertsAre("data.idp_alerts.risky", rsBob, rsAlice),
				alertsAre("data.idp_alerts.medium_and_up", rsBob, lcCarol, lcBob, rsAlice),
				alertsAre("data.idp_alerts.high", rsBob, lcBob, rsAlice),
				alertsAre("data.idp_alerts.open", lcCarol, rsAlice, lcAlice),
				alertsAre("data.idp_alerts.resolved", rsBob, lcBob),
				alertsAre("data.idp_alerts.alice", rsAlice, lcAlice),
				// since keeps alerts last seen at or after it, until those
				// first seen before it.
				alertsAre("data.idp_alerts.since", rsBob, lcCarol, lcBob),
				alertsAre("data.idp_alerts.until", rsAlice, lcAlice),
				alertsAre("data.idp_alerts.risky_open", rsAlice),
				// total counts the matches before the limit.
				totalIs("data.idp_alerts.first_two", 5),
				alertsAre("data.idp_alerts.first_two", rsBob, lcCarol),
				totalIs("data.idp_alerts.unlimited", 5),
				statecheck.ExpectKnownValue("data.idp_alerts.unlimited", tfjsonpath.New("alerts"), knownvalue.ListSizeExact(5)),
				totalIs("data.idp_alerts.nobody", 0),
				statecheck.ExpectKnownValue("data.idp_alerts.nobody", tfjsonpath.New("alerts"), knownvalue.ListSizeExact(0)),
				// Every field of one alert: alice's two sign-ins in one
				// window, the newer of them naming her "Alice Anders".
				statecheck.ExpectKnownValue("data.idp_alerts.risky_open", tfjsonpath.New("alerts").AtSliceIndex(0),
					knownvalue.ObjectExact(map[string]knownvalue.Check{
						"id":                  knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f]{32}$`)),
						"policy":              knownvalue.StringExact(engine.PolicyRiskySignIn),
						"severity":            knownvalue.StringExact("high"),
						"status":              knownvalue.StringExact("open"),
						"user_id":             knownvalue.StringExact("a1a1a1a1-0000-4000-8000-000000000001"),
						"user_principal_name": knownvalue.StringExact(alice),
						"user_display_name":   knownvalue.StringExact("Alice Anders"),
						"detection_count":     knownvalue.Int64Exact(2),
						"risk_event_types": knownvalue.ListExact([]knownvalue.Check{
							knownvalue.StringExact("anonymizedIPAddress"), knownvalue.StringExact("unfamiliarFeatures"),
						}),
						"first_seen": knownvalue.StringExact("2025-06-01T10:00:00Z"),
						"last_seen":  knownvalue.StringExact("2025-06-01T12:00:00.5Z"),
						"created_at": knownvalue.StringRegexp(rfc3339Pattern),
						"updated_at": knownvalue.StringRegexp(rfc3339Pattern),
					})),
				// The id is the engine's.
				statecheck.ExpectKnownValue("data.idp_alerts.first_two", tfjsonpath.New("alerts").AtSliceIndex(0).AtMapKey("id"),
					knownvalue.StringFunc(e.alertIDOf(engine.PolicyRiskySignIn, bob))),
			},
		}},
	})
}

// alertIDOf checks an id against the engine's alert of a policy and user.
func (e *testEnv) alertIDOf(policy, user string) func(string) error {
	return func(id string) error {
		return e.engine(func(ctx context.Context, c client.Client) error {
			page, err := c.Alerts(ctx, engine.AlertQuery{Policy: policy, UserPrincipalName: user})
			if err != nil {
				return err
			}
			if page.Total != 1 || page.Alerts[0].ID != id {
				return fmt.Errorf("alert id %s is not the engine's only %s alert of %s (%+v)", id, policy, user, page.Alerts)
			}
			return nil
		})
	}
}

func TestAccAlertsDataSource_validation(t *testing.T) {
	e := newTestEnv(t)
	step := func(attr, value string, want ...string) resource.TestStep {
		return resource.TestStep{
			Config:      e.config(fmt.Sprintf("data \"idp_alerts\" \"x\" {\n  %s = %s\n}\n", attr, value)),
			PlanOnly:    true,
			ExpectError: errorAt(want...),
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			step("min_severity", `"critical"`, `Attribute min_severity value must be one of: ["low" "medium" "high"]`),
			step("status", `"closed"`, `Attribute status value must be one of: ["open" "resolved"]`),
			step("since", `"yesterday"`, "Attribute since value must be an RFC 3339 time"),
			step("until", `"2025-06-01"`, "Attribute until value must be an RFC 3339 time"),
			// Unix nanoseconds cannot hold these: the engine would wrap them.
			step("since", `"9999-12-31T23:59:59Z"`, "since 9999-12-31T23:59:59Z is outside the years 1678 to 2261"),
			step("until", `"1600-01-01T00:00:00Z"`, "until 1600-01-01T00:00:00Z is outside the years 1678 to 2261"),
			step("limit", "-1", "Attribute limit value must be at least 0, got: -1"),
			step("offset", "-1", "Attribute offset value must be at least 0, got: -1"),
			step("policy", `""`, "Attribute policy string length must be at least 1"),
		},
	})
}

// An apply that configures the file source and reads the data source
// ingests the files and shows their alerts; a file that grows is read
// where it grew on the next read.
func TestAccAlertsDataSource_fileSource(t *testing.T) {
	e := newTestEnv(t)
	// A copy, since the test appends to it.
	detections := filepath.Join(t.TempDir(), "detections.ndjson")
	fixture, err := os.ReadFile(testdataPath(t, "detections.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(detections, fixture, 0o600); err != nil {
		t.Fatal(err)
	}
	config := e.config(fmt.Sprintf(`
resource "idp_integration" "test" {
  source = {
    file = {
      detections = [%q]
    }
  }
}

data "idp_alerts" "all" {
  depends_on = [idp_integration.test]
}

output "total" {
  value = data.idp_alerts.all.total
}
`, detections))
	// Another leaked credential of a fourth user: one more alert.
	dave := `{"id":"lc-dave","riskEventType":"leakedCredentials","riskState":"atRisk","riskLevel":"high",` +
		`"activity":"user","activityDateTime":"2025-06-06T01:00:00Z","userId":"d4d4d4d4-0000-4000-8000-000000000004",` +
		`"userDisplayName":"Dave Diaz","userPrincipalName":"dave@contoso.example"}` + "\n"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				// Reads never process the source: nothing yet, and the
				// data source says no sync ran.
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					totalIs("data.idp_alerts.all", 0),
					statecheck.ExpectKnownValue("data.idp_alerts.all", tfjsonpath.New("last_synced_at"), knownvalue.Null()),
				},
			},
			{
				PreConfig: e.sync(),
				Config:    config,
				ConfigStateChecks: []statecheck.StateCheck{
					totalIs("data.idp_alerts.all", 5),
					statecheck.ExpectKnownOutputValue("total", knownvalue.Int64Exact(5)),
					statecheck.ExpectKnownValue("data.idp_alerts.all", tfjsonpath.New("last_synced_at"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue("data.idp_alerts.all", tfjsonpath.New("last_sync_error"), knownvalue.Null()),
				},
			},
			{
				PreConfig: func() {
					f, err := os.OpenFile(detections, os.O_APPEND|os.O_WRONLY, 0)
					if err == nil {
						_, err = f.WriteString(dave)
						err = errors.Join(err, f.Close())
					}
					if err != nil {
						t.Fatal(err)
					}
					e.sync()()
				},
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					totalIs("data.idp_alerts.all", 6),
					alertsAre("data.idp_alerts.all",
						alertKey{engine.PolicyLeakedCredentials, "dave@contoso.example"},
						alertKey{engine.PolicyRiskySignIn, bob},
						alertKey{engine.PolicyLeakedCredentials, carol},
						alertKey{engine.PolicyLeakedCredentials, bob},
						alertKey{engine.PolicyRiskySignIn, alice},
						alertKey{engine.PolicyLeakedCredentials, alice}),
				},
				// Each detection was read once: the cursor carried over.
				Check: e.checkEngine(func(ctx context.Context, c client.Client) error {
					q, err := allQuarantine(ctx, c)
					if err != nil || len(q) != 0 {
						return fmt.Errorf("quarantine = %v, %v; want empty", q, err)
					}
					page, err := c.Alerts(ctx, engine.AlertQuery{UserPrincipalName: alice, Policy: engine.PolicyRiskySignIn})
					if err != nil {
						return err
					}
					if page.Total != 1 || page.Alerts[0].DetectionCount != 2 {
						return fmt.Errorf("alice's sign-in alert = %+v, want one alert of 2 detections", page.Alerts)
					}
					return nil
				}),
			},
		},
	})
}

// The shipped sample under tuned policies, as the quick start runs it.
// The expected counts were derived independently of the engine, by a short
// script over the sample that keeps the newest version of each id and
// applies contract §3 (ARCHITECTURE.md) (540 records, 500 distinct ids):
//
//	leaked_credentials from medium: 17 medium + 8 high = 25 alerts
//	risky_sign_in from medium, 12h windows: 19 medium + 36 high = 55 alerts
//	anonymous-ip-abroad (the quick start's custom policy: anonymizedIPAddress
//	or maliciousIPAddress outside US, per user and 24h window, from medium):
//	18 medium + 12 high = 30 alerts, 27 of them open
//	open alerts: 73 + 27 = 100; users with an open risky sign-in alert: 33
//
// and the default policies give 73 alerts, as `engine ingest` then
// `engine alerts` on the sample reports.
func TestAccAlertsDataSource_quickstartSample(t *testing.T) {
	e := newTestEnv(t)
	sample := func(name string) string {
		abs, err := filepath.Abs(filepath.Join("..", "..", "examples", "quickstart", name))
		if err != nil {
			t.Fatal(err)
		}
		return abs
	}
	config := e.config(fmt.Sprintf(`
resource "idp_integration" "test" {
  source = {
    file = {
      detections = [%q]
      devices    = [%q]
    }
  }
}

resource "idp_policy" "leaked_credentials" {
  type     = "leaked_credentials"
  severity = "medium"
}

resource "idp_policy" "risky_sign_in" {
  type                  = "risky_sign_in"
  severity              = "medium"
  aggregation_window    = "12h"
  remediate_risky_users = true
}

resource "idp_policy" "anonymous_ip_abroad" {
  type      = "custom"
  name      = "anonymous-ip-abroad"
  condition = <<-EOT
    detection.riskEventType in ["anonymizedIPAddress", "maliciousIPAddress"] &&
    has(detection.location) && detection.location.countryOrRegion != "US"
  EOT
  group_by  = "user"
  severity  = "medium"
}

data "idp_alerts" "leaked" {
  policy     = "leaked_credentials"
  limit      = 0
  depends_on = [idp_integration.test, idp_policy.leaked_credentials, idp_policy.risky_sign_in, idp_policy.anonymous_ip_abroad]
}

data "idp_alerts" "custom" {
  policy     = "anonymous-ip-abroad"
  limit      = 0
  depends_on = [idp_integration.test, idp_policy.leaked_credentials, idp_policy.risky_sign_in, idp_policy.anonymous_ip_abroad]
}

data "idp_alerts" "custom_high" {
  policy       = "anonymous-ip-abroad"
  min_severity = "high"
  depends_on   = [idp_integration.test, idp_policy.leaked_credentials, idp_policy.risky_sign_in, idp_policy.anonymous_ip_abroad]
}

data "idp_alerts" "custom_open" {
  policy     = "anonymous-ip-abroad"
  status     = "open"
  depends_on = [idp_integration.test, idp_policy.leaked_credentials, idp_policy.risky_sign_in, idp_policy.anonymous_ip_abroad]
}

data "idp_alerts" "risky_medium" {
  policy       = "risky_sign_in"
  min_severity = "medium"
  limit        = 0
  depends_on   = [idp_integration.test, idp_policy.leaked_credentials, idp_policy.risky_sign_in, idp_policy.anonymous_ip_abroad]
}

data "idp_alerts" "risky_high" {
  policy       = "risky_sign_in"
  min_severity = "high"
  depends_on   = [idp_integration.test, idp_policy.leaked_credentials, idp_policy.risky_sign_in, idp_policy.anonymous_ip_abroad]
}

data "idp_alerts" "open" {
  status     = "open"
  depends_on = [idp_integration.test, idp_policy.leaked_credentials, idp_policy.risky_sign_in, idp_policy.anonymous_ip_abroad]
}
`, sample("detections-sample.ndjson"), sample("devices-sample.ndjson")))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{{
			// The settings first: the sync below applies them.
			Config:           config,
			ConfigPlanChecks: emptyPlanAfterApply,
			ConfigStateChecks: []statecheck.StateCheck{
				totalIs("data.idp_alerts.leaked", 0),
				totalIs("data.idp_alerts.open", 0),
			},
		}, {
			PreConfig:        e.sync(),
			Config:           config,
			ConfigPlanChecks: emptyPlanAfterApply,
			ConfigStateChecks: []statecheck.StateCheck{
				totalIs("data.idp_alerts.leaked", 25),
				statecheck.ExpectKnownValue("data.idp_alerts.leaked", tfjsonpath.New("alerts"), knownvalue.ListSizeExact(25)),
				totalIs("data.idp_alerts.risky_medium", 55),
				totalIs("data.idp_alerts.risky_high", 36),
				totalIs("data.idp_alerts.open", 100),
				totalIs("data.idp_alerts.custom", 30),
				statecheck.ExpectKnownValue("data.idp_alerts.custom", tfjsonpath.New("alerts"), knownvalue.ListSizeExact(30)),
				totalIs("data.idp_alerts.custom_high", 12),
				totalIs("data.idp_alerts.custom_open", 27),
			},
			Check: e.checkEngine(func(ctx context.Context, c client.Client) error {
				users, err := allUsers(ctx, c)
				if err != nil {
					return err
				}
				if len(users) != 33 {
					return fmt.Errorf("%d users remediated, want 33", len(users))
				}
				for _, u := range users {
					want := []string{engine.ActionResetPassword, engine.ActionRequireMFA}
					if !u.ManagedDevice {
						want = append(want, engine.ActionRequireManagedDevice)
					}
					if fmt.Sprint(u.Actions) != fmt.Sprint(want) {
						return fmt.Errorf("user %s (managed device %t) has actions %v, want %v", u.UserPrincipalName, u.ManagedDevice, u.Actions, want)
					}
				}
				return nil
			}),
		}},
	})
}

// Custom policies over testdata/detections.ndjson, created before it is
// ingested (a policy applies to the detections processed after it). By
// hand from the file:
//
//	by-type (per detection, from low): unfamiliarFeatures, maliciousIPAddress
//	or newCountry: rs-alice-1 (high, open), rs-bob-2 (high, dismissed so
//	resolved); rs-carol-1 is hidden and never alerts. Newest first: bob, alice.
//
//	sign-ins (per user and 24h window, from medium): every sign-in. alice's
//	06-01 window (rs-alice-1 high + rs-alice-2 low: high, 2 detections),
//	bob's 06-02 (rs-bob-1, medium) and 06-04 (rs-bob-2, high, resolved);
//	carol's hidden sign-in none. Newest first: bob, bob, alice.
//
// Each filter on a name returns its policy's alerts alone, named by it,
// next to the five of the built-ins.
func TestAccAlertsDataSource_customPolicies(t *testing.T) {
	e := newTestEnv(t)
	policies := `
resource "idp_policy" "by_type" {
  type      = "custom"
  name      = "by-type"
  condition = "detection.riskEventType in ['unfamiliarFeatures', 'maliciousIPAddress', 'newCountry']"
}

resource "idp_policy" "sign_ins" {
  type      = "custom"
  name      = "sign-ins"
  condition = "detection.activity == 'signin'"
  group_by  = "user"
  severity  = "medium"
}
`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.policiesGone("by-type", "sign-ins"),
		Steps: []resource.TestStep{
			{Config: e.config(policies), ConfigPlanChecks: emptyPlanAfterApply},
			{
				PreConfig: e.ingestFile(testdataPath(t, "detections.ndjson")),
				Config: e.config(policies + `
data "idp_alerts" "all" {}

data "idp_alerts" "by_type" {
  policy = "by-type"
}

data "idp_alerts" "sign_ins" {
  policy = "sign-ins"
}

data "idp_alerts" "sign_ins_high" {
  policy       = "sign-ins"
  min_severity = "high"
}

data "idp_alerts" "sign_ins_alice" {
  policy              = "sign-ins"
  user_principal_name = "alice@contoso.example"
}
`),
				ConfigPlanChecks: emptyPlanAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					totalIs("data.idp_alerts.all", 10),
					totalIs("data.idp_alerts.by_type", 2),
					alertsAre("data.idp_alerts.by_type", alertKey{"by-type", bob}, alertKey{"by-type", alice}),
					statecheck.ExpectKnownValue("data.idp_alerts.by_type", tfjsonpath.New("alerts"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectPartial(map[string]knownvalue.Check{
							"status": knownvalue.StringExact("resolved"), "risk_event_types": knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("maliciousIPAddress")}),
						}),
						knownvalue.ObjectPartial(map[string]knownvalue.Check{
							"status": knownvalue.StringExact("open"), "first_seen": knownvalue.StringExact("2025-06-01T10:00:00Z"),
						}),
					})),
					totalIs("data.idp_alerts.sign_ins", 3),
					alertsAre("data.idp_alerts.sign_ins", alertKey{"sign-ins", bob}, alertKey{"sign-ins", bob}, alertKey{"sign-ins", alice}),
					alertsAre("data.idp_alerts.sign_ins_high", alertKey{"sign-ins", bob}, alertKey{"sign-ins", alice}),
					statecheck.ExpectKnownValue("data.idp_alerts.sign_ins_alice", tfjsonpath.New("alerts"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectPartial(map[string]knownvalue.Check{
							"severity":        knownvalue.StringExact("high"),
							"detection_count": knownvalue.Int64Exact(2),
							"first_seen":      knownvalue.StringExact("2025-06-01T10:00:00Z"),
							"last_seen":       knownvalue.StringExact("2025-06-01T12:00:00.5Z"),
						}),
					})),
					statecheck.ExpectKnownValue("data.idp_alerts.sign_ins", tfjsonpath.New("alerts").AtSliceIndex(1).AtMapKey("severity"),
						knownvalue.StringExact("medium")),
				},
			},
		},
	})
}
