package provider

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/idp/terraform-provider-idp/internal/client"
	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph/graphtest"
	"github.com/idp/terraform-provider-idp/internal/engine/service"
)

// The graph source end to end: the test starts a Graph look-alike
// (graphtest) loaded with the quick start's sample, points the
// integration's authority_url and graph_url at it, and reads the alerts
// through the data source, whose catch-up pulls from it.

const (
	graphTenant = "contoso.onmicrosoft.com"
	graphClient = "5f0c2a8e-0000-4000-8000-00000000a11c"
	// Characters that form and path encoding change, so every spelling is
	// looked for where the secret must not be.
	graphSecret = "Gr4ph+s3cr3t/Val=&~Qq"
)

func secretForms(secret string) []string {
	return []string{secret, url.QueryEscape(secret), url.PathEscape(secret)}
}

// quickstartDir holds the quick start's sample, a source root of the
// tests' servers too.
var quickstartDir = filepath.Join("..", "..", "examples", "quickstart")

func quickstartPath(t *testing.T, name string) string {
	t.Helper()
	abs, err := filepath.Abs(filepath.Join(quickstartDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// newGraphServer starts a fake Graph accepting secret, holding the
// detections and devices of these files.
func newGraphServer(t *testing.T, secret, detections, devices string) *graphtest.Server {
	t.Helper()
	srv := graphtest.NewServer(graphTenant, graphClient, secret)
	t.Cleanup(srv.Close)
	for path, load := range map[string]func(*os.File) error{
		detections: func(f *os.File) error { return srv.LoadDetections(f) },
		devices:    func(f *os.File) error { return srv.LoadDevices(f) },
	} {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		err = load(f)
		f.Close()
		if err != nil {
			t.Fatalf("loading %s into the fake Graph: %v", path, err)
		}
	}
	return srv
}

// tunedPolicies are the quick start's policies: risky sign-ins remediate.
var tunedPolicies = []engine.Policy{
	{Type: engine.PolicyLeakedCredentials, Enabled: true, Severity: engine.SeverityMedium},
	{Type: engine.PolicyRiskySignIn, Enabled: true, Severity: engine.SeverityMedium,
		AggregationWindow: engine.Duration(12 * time.Hour), RemediateRiskyUsers: true},
}

const tunedPoliciesConfig = `
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

data "idp_alerts" "all" {
  limit      = 0
  depends_on = [idp_integration.test, idp_policy.leaked_credentials, idp_policy.risky_sign_in]
}
`

// fileReference ingests the files into an engine of its own under the
// tuned policies: what a graph source holding the same records must give.
func fileReference(t *testing.T, detections, devices string) ([]engine.Alert, []engine.User) {
	t.Helper()
	ctx := context.Background()
	c, err := client.NewEmbedded(ctx, client.EmbeddedConfig{DataDir: filepath.Join(t.TempDir(), "reference")})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, p := range tunedPolicies {
		if _, err := c.PutPolicy(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	// Devices first, as a sync reads them.
	for _, in := range []struct {
		path   string
		ingest func(ctx context.Context, r io.Reader, source string) (engine.IngestSummary, error)
	}{{devices, c.IngestDevices}, {detections, c.IngestDetections}} {
		path := in.path
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		_, err = in.ingest(ctx, f, path)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	page, err := c.Alerts(ctx, engine.AlertQuery{})
	if err != nil {
		t.Fatal(err)
	}
	users, err := allUsers(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	return page.Alerts, users
}

// alertsEqual checks a data source's alerts field by field, in order,
// against alerts of another engine (the engine clock's created_at and
// updated_at aside).
func alertsEqual(address string, want []engine.Alert) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[address]
		if !ok {
			return fmt.Errorf("%s is not in the state", address)
		}
		got := rs.Primary.Attributes
		if n := got["alerts.#"]; n != strconv.Itoa(len(want)) {
			return fmt.Errorf("%s has %s alerts, want %d", address, n, len(want))
		}
		for i, a := range want {
			m := alertFromEngine(a)
			fields := map[string]string{
				"id": m.ID.ValueString(), "policy": m.Policy.ValueString(), "severity": m.Severity.ValueString(),
				"status": m.Status.ValueString(), "user_id": m.UserID.ValueString(),
				"user_principal_name": m.UserPrincipalName.ValueString(), "user_display_name": m.UserDisplayName.ValueString(),
				"detection_count": strconv.FormatInt(m.DetectionCount.ValueInt64(), 10),
				"first_seen":      m.FirstSeen.ValueString(), "last_seen": m.LastSeen.ValueString(),
				"risk_event_types.#": strconv.Itoa(len(m.RiskEventTypes)),
			}
			for j, r := range m.RiskEventTypes {
				fields["risk_event_types."+strconv.Itoa(j)] = r.ValueString()
			}
			for k, v := range fields {
				if key := fmt.Sprintf("alerts.%d.%s", i, k); got[key] != v {
					return fmt.Errorf("%s: %s = %q, want %q (alert %s)", address, key, got[key], v, a.ID)
				}
			}
		}
		return nil
	}
}

// usersLike checks the engine remediated the reference's users with the
// same actions.
func (e *testEnv) usersLike(want []engine.User) resource.TestCheckFunc {
	key := func(us []engine.User) []string {
		out := make([]string, len(us))
		for i, u := range us {
			out[i] = fmt.Sprintf("%s %s %t %v", u.UserID, u.RiskLevel, u.ManagedDevice, u.Actions)
		}
		sort.Strings(out)
		return out
	}
	return e.checkEngine(func(ctx context.Context, c client.Client) error {
		got, err := allUsers(ctx, c)
		if err != nil {
			return err
		}
		if g, w := key(got), key(want); !slices.Equal(g, w) {
			return fmt.Errorf("users at risk:\n%s\nwant:\n%s", strings.Join(g, "\n"), strings.Join(w, "\n"))
		}
		return nil
	})
}

// writtenBackOnce checks that Graph's confirmCompromised was sent each
// user the engine remediated exactly once (none when want is false), and
// that the audit log says so.
func (e *testEnv) writtenBackOnce(srv *graphtest.Server, want bool) resource.TestCheckFunc {
	return e.checkEngine(func(ctx context.Context, c client.Client) error {
		sent := map[string]int{}
		for _, call := range srv.ConfirmCompromisedCalls() {
			for _, id := range call {
				sent[id]++
			}
		}
		users, err := allUsers(ctx, c)
		if err != nil {
			return err
		}
		if !want {
			if len(sent) != 0 {
				return fmt.Errorf("confirmCompromised was sent %d users with writeback off", len(sent))
			}
			return nil
		}
		if len(users) == 0 {
			return fmt.Errorf("no user was remediated: nothing to write back")
		}
		for _, u := range users {
			if sent[u.UserID] != 1 {
				return fmt.Errorf("user %s was sent to confirmCompromised %d times, want once", u.UserID, sent[u.UserID])
			}
			delete(sent, u.UserID)
		}
		if len(sent) != 0 {
			return fmt.Errorf("confirmCompromised was sent users the engine did not remediate: %v", sent)
		}
		log, err := allRemediations(ctx, c)
		if err != nil {
			return err
		}
		confirmed := 0
		for _, r := range log {
			if r.Outcome == engine.OutcomeGraphConfirmed {
				confirmed++
			}
		}
		if confirmed != len(users) {
			return fmt.Errorf("the audit log has %d %s entries for %d users", confirmed, engine.OutcomeGraphConfirmed, len(users))
		}
		return nil
	})
}

// expectSensitive asserts that a plan marks an attribute of a resource
// sensitive, so that Terraform shows "(sensitive value)" in its place.
type expectSensitive struct{ address, attr string }

func (c expectSensitive) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Address != c.address {
			continue
		}
		if v, ok := lookup(rc.Change.AfterSensitive, c.attr); !ok || v != true {
			resp.Error = fmt.Errorf("%s: the plan does not mark %s sensitive (after_sensitive: %v)", c.address, c.attr, rc.Change.AfterSensitive)
		}
		return
	}
	resp.Error = fmt.Errorf("the plan has no %s", c.address)
}

func TestAccIntegration_graphSource(t *testing.T) {
	e := newTestEnv(t, unthrottledGraph)
	detections, devices := quickstartPath(t, "detections-sample.ndjson"), quickstartPath(t, "devices-sample.ndjson")
	srv := newGraphServer(t, graphSecret, detections, devices)
	wantAlerts, wantUsers := fileReference(t, detections, devices)

	// pageSize "" leaves page_size to its default.
	config := func(pageSize string, writeback bool) string {
		if pageSize != "" {
			pageSize = "\n      page_size     = " + pageSize
		}
		return e.config(fmt.Sprintf(`
resource "idp_integration" "test" {
  source = {
    graph = {
      tenant_id     = %q
      client_id     = %q
      client_secret = %q
      authority_url = %q
      graph_url     = %q%s
      writeback     = %t
    }
  }
}
`, graphTenant, graphClient, graphSecret, srv.URL, srv.URL, pageSize, writeback) + tunedPoliciesConfig)
	}
	inEngine := func(pageSize int, writeback bool) engine.Integration {
		in := engine.DefaultIntegration()
		in.Source = &engine.Source{Graph: &engine.GraphSource{
			TenantID: graphTenant, ClientID: graphClient, ClientSecretSet: true,
			AuthorityURL: srv.URL, GraphURL: srv.URL, PageSize: pageSize, Writeback: writeback,
		}}
		return in
	}
	graphAttr := func(name string) tfjsonpath.Path { return tfjsonpath.New("source").AtMapKey("graph").AtMapKey(name) }

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.integrationIs(engine.DefaultIntegration()),
		Steps: []resource.TestStep{
			{
				// Pages of 100: the pull follows nextLink across them.
				// Apply, plan and refresh read Graph never: the sync does.
				Config: config("100", false),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{expectSensitive{integrationAddr, "source.graph.client_secret"}},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(integrationAddr, tfjsonpath.New("source").AtMapKey("file"), knownvalue.Null()),
					statecheck.ExpectKnownValue(integrationAddr, graphAttr("page_size"), knownvalue.Int64Exact(100)),
					statecheck.ExpectKnownValue(integrationAddr, graphAttr("authority_url"), knownvalue.StringExact(srv.URL)),
					statecheck.ExpectKnownValue(integrationAddr, graphAttr("writeback"), knownvalue.Bool(false)),
					totalIs("data.idp_alerts.all", 0),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					e.integrationIs(inEngine(100, false)),
					graphUntouched(srv),
				),
			},
			{
				PreConfig: e.sync(),
				Config:    config("100", false),
				ConfigStateChecks: []statecheck.StateCheck{
					// The sample's counts, derived independently (see
					// TestAccAlertsDataSource_quickstartSample).
					totalIs("data.idp_alerts.all", 25+55),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					e.integrationIs(inEngine(100, false)),
					alertsEqual("data.idp_alerts.all", wantAlerts),
					e.usersLike(wantUsers),
					e.writtenBackOnce(srv, false),
					e.checkEngine(func(ctx context.Context, c client.Client) error {
						if q, err := allQuarantine(ctx, c); err != nil || len(q) != 0 {
							return fmt.Errorf("quarantine = %v, %v; want empty", q, err)
						}
						if st := srv.Stats(); st.Pages < 5 {
							return fmt.Errorf("Graph served %d pages: the pull did not page", st.Pages)
						}
						return nil
					}),
				),
			},
			{
				// The engine never returns the secret: the import has
				// everything else.
				ResourceName:            integrationAddr,
				ImportState:             true,
				ImportStateId:           integrationID,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"source.graph.client_secret"},
			},
			{
				// Write-back on; page_size back to its default.
				Config: config("", true),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(integrationAddr, plancheck.ResourceActionUpdate),
						expectChange{address: integrationAddr, attr: "source.graph.page_size", before: 100, after: graph.MaxPageSize},
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(integrationAddr, graphAttr("page_size"), knownvalue.Int64Exact(graph.MaxPageSize)),
					statecheck.ExpectKnownValue(integrationAddr, graphAttr("graph_url"), knownvalue.StringExact(srv.URL)),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					e.integrationIs(inEngine(graph.MaxPageSize, true)),
					alertsEqual("data.idp_alerts.all", wantAlerts),
				),
			},
			{
				// The next sync writes the remediated users back.
				PreConfig: e.sync(),
				Config:    config("", true),
				Check: resource.ComposeAggregateTestCheckFunc(
					alertsEqual("data.idp_alerts.all", wantAlerts),
					e.writtenBackOnce(srv, true),
				),
			},
			{
				// Changes made through the engine show in the next plan,
				// the secret's removal included (the engine never returns
				// the secret itself); the later syncs send nobody again.
				PreConfig: e.outside(func(ctx context.Context, c client.Client) error {
					in, err := c.Integration(ctx)
					if err != nil {
						return err
					}
					in.Source.Graph.PageSize = 50
					in.Source.Graph.ClientSecretSet = false
					_, err = c.SetIntegration(ctx, in)
					return err
				}),
				Config: config("", true),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(integrationAddr, plancheck.ResourceActionUpdate),
						expectChange{address: integrationAddr, attr: "source.graph.page_size", before: 50, after: graph.MaxPageSize},
						expectChange{address: integrationAddr, attr: "source.graph.client_secret", before: nil, after: graphSecret},
						expectSensitive{integrationAddr, "source.graph.client_secret"},
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					e.integrationIs(inEngine(graph.MaxPageSize, true)),
					alertsEqual("data.idp_alerts.all", wantAlerts),
					e.writtenBackOnce(srv, true),
				),
			},
			{
				// Later syncs send nobody again.
				PreConfig: e.sync(),
				Config:    config("", true),
				Check: resource.ComposeAggregateTestCheckFunc(
					alertsEqual("data.idp_alerts.all", wantAlerts),
					e.writtenBackOnce(srv, true),
				),
			},
		},
	})
}

// graphUntouched checks that the Graph stand-in got no request at all:
// plan, apply and refresh never call Microsoft Graph.
func graphUntouched(srv *graphtest.Server) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if st := srv.Stats(); st.TokenRequests+st.GraphRequests != 0 {
			return fmt.Errorf("Graph got %d token and %d API requests, want none", st.TokenRequests, st.GraphRequests)
		}
		return nil
	}
}

// secretlessConfig is a graph source on srv with no client_secret, and a
// data source read after it.
func secretlessConfig(e *testEnv, srv *graphtest.Server) string {
	return e.config(fmt.Sprintf(`
resource "idp_integration" "test" {
  source = {
    graph = {
      tenant_id     = %q
      client_id     = %q
      authority_url = %q
      graph_url     = %q
    }
  }
}

data "idp_alerts" "all" {
  depends_on = [idp_integration.test]
}
`, graphTenant, graphClient, srv.URL, srv.URL))
}

// A graph source whose secret is left to IDP_GRAPH_CLIENT_SECRET: the
// sync reads it from the environment, and neither the state, nor the
// plans, nor Terraform's and the provider's logs at TRACE hold it. The
// engine keeps its shipped configuration here (one Graph request a second).
// In remote mode the environment is the server's (the test's server runs
// in this process), and its log must not hold the secret either.
// Not parallel: it sets environment variables.
func TestAccIntegration_graphSecretFromEnvironment(t *testing.T) {
	const secret = "Env+s3cr3t/Only=&~Zz"
	t.Setenv(service.GraphSecretEnv, secret)
	// The user running Terraform allows the stand-in, as an operator would.
	t.Setenv(graph.AllowedHostsEnv, "127.0.0.1")
	logPath := filepath.Join(t.TempDir(), "terraform.log")
	// Terraform's log and, through the test sink, the provider's, both at
	// TRACE.
	t.Setenv("TF_ACC_LOG_PATH", logPath)
	t.Setenv("TF_LOG", "")

	e := newTestEnv(t)
	srv := newGraphServer(t, secret, testdataPath(t, "detections.ndjson"), testdataPath(t, "devices.ndjson"))
	config := secretlessConfig(e, srv)
	noSecretIn := func(where, text string) error {
		for _, s := range secretForms(secret) {
			if strings.Contains(text, s) {
				return fmt.Errorf("the secret appears in %s", where)
			}
		}
		return nil
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				Config:           config,
				ConfigPlanChecks: emptyPlanAfterApply,
				Check:            graphUntouched(srv),
			},
			{
				PreConfig:        e.sync(),
				Config:           config,
				ConfigPlanChecks: emptyPlanAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(integrationAddr, tfjsonpath.New("source").AtMapKey("graph").AtMapKey("client_secret"), knownvalue.Null()),
					statecheck.ExpectKnownValue(integrationAddr, tfjsonpath.New("source").AtMapKey("graph").AtMapKey("page_size"), knownvalue.Int64Exact(graph.MaxPageSize)),
					statecheck.ExpectKnownValue(integrationAddr, tfjsonpath.New("source").AtMapKey("graph").AtMapKey("writeback"), knownvalue.Bool(false)),
					// testdata/detections.ndjson's five alerts (see
					// alerts_data_source_test.go).
					totalIs("data.idp_alerts.all", 5),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					func(s *terraform.State) error {
						if st := srv.Stats(); st.TokensIssued == 0 || st.Pages == 0 {
							return fmt.Errorf("Graph issued %d tokens and served %d pages: the secret from the environment was not used", st.TokensIssued, st.Pages)
						}
						return noSecretIn("the state", s.String())
					},
					e.integrationIs(engine.Integration{
						Enabled: true, RetentionDays: engine.DefaultRetentionDays,
						Actions: engine.DefaultIntegration().Actions,
						Source: &engine.Source{Graph: &engine.GraphSource{
							TenantID: graphTenant, ClientID: graphClient,
							AuthorityURL: srv.URL, GraphURL: srv.URL, PageSize: graph.MaxPageSize,
						}},
					}),
				),
			},
			{
				ResourceName:      integrationAddr,
				ImportState:       true,
				ImportStateId:     integrationID,
				ImportStateVerify: true,
			},
			{
				// The same secret, now in the configuration: it passes
				// through Terraform, and still reaches no log.
				Config: strings.Replace(config, "graph = {\n", fmt.Sprintf("graph = {\n      client_secret = %q\n", secret), 1),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(integrationAddr, plancheck.ResourceActionUpdate),
						expectSensitive{integrationAddr, "source.graph.client_secret"},
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectSensitiveValue(integrationAddr, tfjsonpath.New("source").AtMapKey("graph").AtMapKey("client_secret")),
				},
			},
		},
	})
	logged, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	// The logs must hold what would betray the secret if anything did: the
	// provider's requests and the engine's sync. The sync runs outside
	// Terraform, as `engine sync` would, and logs to the test's engine log;
	// in remote mode it runs in the server, whose log must not hold the
	// secret either.
	engineLog, engineLogName := e.outsideLog.String(), "the engine's TRACE log"
	if e.mode == modeRemote {
		engineLog, engineLogName = e.server.log(t), "the server's TRACE log"
	}
	for _, want := range []struct{ log, text string }{
		{string(logged), "ApplyResourceChange"}, {engineLog, "graph sync finished"},
	} {
		if !strings.Contains(want.log, want.text) {
			t.Fatalf("a captured log (%d bytes) lacks %q: it does not show what it must", len(want.log), want.text)
		}
	}
	if err := noSecretIn("the TRACE log", withoutTestConfigurations(string(logged))); err != nil {
		t.Fatal(err)
	}
	if err := noSecretIn(engineLogName, engineLog); err != nil {
		t.Fatal(err)
	}
}

// withoutTestConfigurations drops from a captured log the configurations
// the test harness itself logs ("Setting Terraform configuration", a
// multi-line field of the sdk.helper_resource logger): they hold the test's
// own HCL, secret included, and are no output of Terraform's or the
// provider's.
func withoutTestConfigurations(log string) string {
	var b strings.Builder
	skipping := false
	for line := range strings.Lines(log) {
		switch {
		case strings.Contains(line, "sdk.helper_resource: Setting Terraform configuration"):
			skipping = true
			continue
		case skipping && strings.HasPrefix(line, " "):
			continue // a continuation line of that entry
		}
		skipping = false
		b.WriteString(line)
	}
	return b.String()
}

func TestAccIntegration_graphValidation(t *testing.T) {
	e := newTestEnv(t)
	// graph renders a graph source with one setting replaced (or, with a
	// value of "-", left out).
	graphWith := func(name, value string) string {
		settings := map[string]string{
			"tenant_id": `"contoso.onmicrosoft.com"`, "client_id": `"app"`, "client_secret": `"s"`,
			"authority_url": `"https://login.microsoftonline.us"`, "graph_url": `"http://127.0.0.1:8080"`,
		}
		settings[name] = value
		var b strings.Builder
		for _, k := range []string{"tenant_id", "client_id", "client_secret", "authority_url", "graph_url", "page_size"} {
			if v, ok := settings[k]; ok && v != "-" {
				fmt.Fprintf(&b, "      %s = %s\n", k, v)
			}
		}
		return e.config("resource \"idp_integration\" \"test\" {\n  source = {\n    graph = {\n" + b.String() + "    }\n  }\n}\n")
	}
	step := func(config string, words ...string) resource.TestStep {
		return resource.TestStep{Config: config, PlanOnly: true, ExpectError: errorAt(words...)}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			step(graphWith("tenant_id", `"contoso/x"`),
				"Attribute source.graph.tenant_id value must be a tenant id or domain name", `got: "contoso/x"`),
			step(graphWith("tenant_id", `""`), "Attribute source.graph.tenant_id", "tenant_id is required"),
			step(graphWith("tenant_id", "-"), `"tenant_id" is required`),
			step(graphWith("client_id", `"  "`), "Attribute source.graph.client_id value must not be blank"),
			step(graphWith("client_secret", `""`), "Attribute source.graph.client_secret string length must be at least 1, got: 0"),
			step(graphWith("authority_url", `"http://login.microsoftonline.com"`),
				"Attribute source.graph.authority_url value must be an absolute https URL", "plain http only on a loopback host"),
			step(graphWith("graph_url", `"graph.microsoft.com"`),
				"Attribute source.graph.graph_url value must be an absolute https URL"),
			step(graphWith("graph_url", `""`), "Attribute source.graph.graph_url value must be an absolute https URL"),
			step(graphWith("page_size", "0"), "Attribute source.graph.page_size value must be between 1 and 500, got: 0"),
			step(graphWith("page_size", "501"), "Attribute source.graph.page_size value must be between 1 and 500, got: 501"),
			step(e.config(`
resource "idp_integration" "test" {
  source = {
    file  = { detections = ["d.ndjson"] }
    graph = { tenant_id = "t", client_id = "c" }
  }
}
`), "Invalid Attribute Value", "rejected the value of source", "exactly one of file or graph"),
		},
	})
}

// A graph source with no secret in the configuration nor in the
// environment is accepted (the environment of a later sync may hold it);
// the sync then fails saying where the secret goes, and the data source
// shows that failure. Not parallel: it sets the environment.
func TestAccIntegration_graphWithoutSecret(t *testing.T) {
	t.Setenv(service.GraphSecretEnv, "")
	t.Setenv(graph.AllowedHostsEnv, "127.0.0.1")
	e := newTestEnv(t)
	srv := newGraphServer(t, graphSecret, testdataPath(t, "detections.ndjson"), testdataPath(t, "devices.ndjson"))
	const why = "client_secret is required: set it in the source or in " + service.GraphSecretEnv
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{{
			Config: secretlessConfig(e, srv),
		}, {
			PreConfig: e.outside(func(ctx context.Context, c client.Client) error {
				_, err := c.Sync(ctx)
				if err == nil || !strings.Contains(err.Error(), why) {
					return fmt.Errorf("sync without a secret: error %v, want one saying %q", err, why)
				}
				return nil
			}),
			Config: secretlessConfig(e, srv),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.idp_alerts.all", tfjsonpath.New("last_synced_at"), knownvalue.NotNull()),
				statecheck.ExpectKnownValue("data.idp_alerts.all", tfjsonpath.New("last_sync_error"),
					knownvalue.StringRegexp(regexp.MustCompile(regexp.QuoteMeta(why)))),
			},
		}},
	})
	if st := srv.Stats(); st.TokenRequests+st.GraphRequests != 0 {
		t.Errorf("Graph got %d requests without a secret", st.TokenRequests+st.GraphRequests)
	}
}

// What Read and the writes make of the graph source the engine returns:
// the defaults for what the engine leaves empty, and the client secret and
// its write-only version from the prior value (the engine never returns
// the secret), unless a read finds the engine holds none.
func TestGraphSourceObject(t *testing.T) {
	stored := engine.GraphSource{TenantID: "t", ClientID: "c", AuthorityURL: "https://login.microsoftonline.us", PageSize: 100, Writeback: true}
	held := stored
	held.ClientSecretSet = true
	prior := func(secret types.String, version types.Int64) graphSourceModel {
		return graphSourceModel{ClientSecret: secret, ClientSecretWOVersion: version}
	}
	for _, tc := range []struct {
		name        string
		stored      engine.GraphSource
		prior       graphSourceModel
		read        bool
		wantSecret  types.String
		wantVersion types.Int64
	}{
		{"held, configured: kept", held, prior(types.StringValue("planned"), types.Int64Null()), true, types.StringValue("planned"), types.Int64Null()},
		{"held, write-only: the version kept", held, prior(types.StringNull(), types.Int64Value(3)), true, types.StringNull(), types.Int64Value(3)},
		{"held, on import", held, prior(types.StringNull(), types.Int64Null()), true, types.StringNull(), types.Int64Null()},
		{"none anywhere: the environment's", stored, prior(types.StringNull(), types.Int64Null()), true, types.StringNull(), types.Int64Null()},
		{"removed outside Terraform: shows", stored, prior(types.StringValue("planned"), types.Int64Null()), true, types.StringNull(), types.Int64Null()},
		{"removed outside Terraform, write-only: shows", stored, prior(types.StringNull(), types.Int64Value(3)), true, types.StringNull(), types.Int64Null()},
		{"after a write: the plan's", stored, prior(types.StringValue("planned"), types.Int64Value(3)), false, types.StringValue("planned"), types.Int64Value(3)},
		{"prior unknown", held, prior(types.StringUnknown(), types.Int64Unknown()), false, types.StringNull(), types.Int64Null()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obj, diags := graphSourceObject(tc.stored, tc.prior, tc.read)
			if diags.HasError() {
				t.Fatal(diags)
			}
			var g graphSourceModel
			if diags := obj.As(context.Background(), &g, objectAsOptions); diags.HasError() {
				t.Fatal(diags)
			}
			if !g.ClientSecret.Equal(tc.wantSecret) || !g.ClientSecretWOVersion.Equal(tc.wantVersion) || !g.ClientSecretWO.IsNull() {
				t.Errorf("client_secret = %v, version %v, write-only %v; want %v, %v, null",
					g.ClientSecret, g.ClientSecretWOVersion, g.ClientSecretWO, tc.wantSecret, tc.wantVersion)
			}
			if g.GraphURL.ValueString() != graph.DefaultGraphURL || g.AuthorityURL.ValueString() != stored.AuthorityURL ||
				g.PageSize.ValueInt64() != 100 || !g.Writeback.ValueBool() || g.TenantID.ValueString() != "t" {
				t.Errorf("graph source = %+v", g)
			}
		})
	}
	obj, diags := graphSourceObject(engine.GraphSource{TenantID: "t", ClientID: "c"}, graphSourceModel{}, true)
	var g graphSourceModel
	diags.Append(obj.As(context.Background(), &g, objectAsOptions)...)
	if diags.HasError() {
		t.Fatal(diags)
	}
	if g.AuthorityURL.ValueString() != graph.DefaultAuthorityURL || g.PageSize.ValueInt64() != graph.MaxPageSize || g.Writeback.ValueBool() {
		t.Errorf("the engine's empty settings read as %+v, want the defaults", g)
	}
}
