package provider

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/idp/terraform-provider-idp/internal/client"
	"github.com/idp/terraform-provider-idp/internal/engine"
)

// Tests of remote mode itself: they run in the remote pass of the suite,
// on the test's own engine serve.
const aboutRemoteMode = "it is about remote mode"

// flakyProxy stands between the provider and the server, like a load
// balancer whose backend is restarting: it answers the next requests with
// 503, then forwards.
type flakyProxy struct {
	URL                   string
	failures, failed, fwd atomic.Int32
}

func newFlakyProxy(t *testing.T, s *testServer) *flakyProxy {
	t.Helper()
	target, err := url.Parse(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: s.roots, MinVersion: tls.VersionTLS12}}
	p := &flakyProxy{}
	// Plain http on loopback: the provider allows it there.
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p.failures.Add(-1) >= 0 {
			p.failed.Add(1)
			http.Error(w, "upstream restarting", http.StatusServiceUnavailable)
			return
		}
		p.fwd.Add(1)
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	p.URL = ts.URL
	return p
}

// failNext makes the next n requests fail.
func (p *flakyProxy) failNext(n int32) { p.failed.Store(0); p.failures.Store(n) }

func (p *flakyProxy) failedExactly(n int32) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if got := p.failed.Load(); got != n {
			return fmt.Errorf("the proxy failed %d requests, want %d", got, n)
		}
		if p.fwd.Load() == 0 {
			return fmt.Errorf("the proxy forwarded nothing")
		}
		return nil
	}
}

// Two 503 answers in a row are retried by the provider, and the apply goes
// through as if nothing had happened; out-of-band reads go to the server
// directly.
func TestAccProvider_remoteRetriesTransientFailures(t *testing.T) {
	e := newTestEnv(t, onlyIn(aboutRemoteMode, modeRemote))
	proxy := newFlakyProxy(t, e.server)
	config := fmt.Sprintf(`
provider "idp" {
  endpoint = %q
  token    = %q
}

resource "idp_policy" "test" {
  type      = "custom"
  name      = "retried"
  condition = "detection.riskLevel == 'high'"
}
`, proxy.URL, e.server.token)
	want := engine.Policy{Type: engine.PolicyCustom, Name: "retried", Enabled: true, Severity: engine.SeverityLow,
		Condition: "detection.riskLevel == 'high'", GroupBy: engine.GroupByDetection}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.policiesGone("retried"),
		Steps: []resource.TestStep{
			{
				// The first command's first request meets both failures.
				PreConfig:        func() { proxy.failNext(2) },
				Config:           config,
				ConfigPlanChecks: emptyPlanAfterApply,
				Check:            resource.ComposeAggregateTestCheckFunc(proxy.failedExactly(2), e.policyIs(want)),
			},
			{
				// Failures in the middle of a run: the refresh and the
				// plan after a change made outside Terraform.
				PreConfig: func() {
					e.outside(func(ctx context.Context, c client.Client) error {
						p := want
						p.Severity = engine.SeverityHigh
						_, err := c.PutPolicy(ctx, p)
						return err
					})()
					proxy.failNext(2)
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{expectChange{address: policyAddr, attr: "severity", before: "high", after: "low"}},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(proxy.failedExactly(2), e.policyIs(want)),
			},
		},
	})
}

// What fails when the provider configures itself, each with the server's
// own words: a wrong token, a certificate the provider does not trust, and
// an endpoint that is not the engine's API.
func TestAccProvider_remoteConfigureErrors(t *testing.T) {
	e := newTestEnv(t, onlyIn(aboutRemoteMode, modeRemote))
	step := providerBlockFails
	s := e.server
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			step(fmt.Sprintf("  endpoint = %q\n  token = \"not-the-token\"\n  ca_file = %q\n", s.URL, s.caFile),
				"Unable to Reach the idp Engine", "engine serve refused the token", "IDP_TOKEN",
				"Original Error: the bearer token is not valid"),
			step(fmt.Sprintf("  endpoint = %q\n  token = %q\n", s.URL, s.token),
				"Unable to Reach the idp Engine", "set ca_file", "certificate signed by unknown authority"),
			step(fmt.Sprintf("  endpoint = %q\n  token = %q\n  ca_file = %q\n", s.URL+"/idp", s.token, s.caFile),
				"Unable to Reach the idp Engine", "Original Error: not found: the API is under /v1"),
			step(fmt.Sprintf("  endpoint = %q\n  token = %q\n  ca_file = %q\n", s.URL, s.token, filepath.Join(t.TempDir(), "none.pem")),
				"Unable to Reach the idp Engine", "reading ca_file"),
		},
	})
}

// The token passes through Terraform to the provider, and reaches neither
// Terraform's log, the provider's, nor the server's, at TRACE. Not
// parallel: it sets the environment.
func TestAccProvider_remoteTokenNotLogged(t *testing.T) {
	e := newTestEnv(t, onlyIn(aboutRemoteMode, modeRemote))
	logPath := filepath.Join(t.TempDir(), "terraform.log")
	t.Setenv("TF_ACC_LOG_PATH", logPath)
	t.Setenv("TF_LOG", "")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.policiesGone("logged"),
		Steps: []resource.TestStep{{
			Config: e.config(`
resource "idp_policy" "test" {
  type      = "custom"
  name      = "logged"
  condition = "true"
}
`),
			ConfigPlanChecks: emptyPlanAfterApply,
		}},
	})
	logged, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []struct{ name, text, must string }{
		{"Terraform's and the provider's log", withoutTestConfigurations(string(logged)), "ConfigureProvider"},
		{"the server's log", e.server.log(t), "/v1/policies"},
	} {
		if !strings.Contains(l.text, l.must) {
			t.Fatalf("%s (%d bytes) lacks %q: it does not show what it must", l.name, len(l.text), l.must)
		}
		if strings.Contains(l.text, e.server.token) {
			t.Errorf("the token appears in %s", l.name)
		}
	}
}

// A custom policy the server no longer has: Read drops it with a warning,
// and Delete counts it gone, through the remote client and a real 404.
func TestPolicyRemote_notFound(t *testing.T) {
	ctx := context.Background()
	s := startServer(t, serverOptions{})
	c, err := s.client()
	if err != nil {
		t.Fatal(err)
	}
	// A store with settings: the policy was deleted, not lost with its
	// store.
	if _, err := c.SetIntegration(ctx, engine.DefaultIntegration()); err != nil {
		t.Fatal(err)
	}
	r := &policyResource{client: &engineConn{Client: c, cfg: clientConfig{Endpoint: "https://server.test"}}}
	st := policyState(t, r, policyFromEngine(impossibleTravel))

	read := fwresource.ReadResponse{State: st}
	r.Read(ctx, fwresource.ReadRequest{State: st}, &read)
	if read.Diagnostics.HasError() || !read.State.Raw.IsNull() {
		t.Fatalf("Read of a policy the server lacks: state %v, diagnostics %v; want it removed", read.State.Raw, read.Diagnostics)
	}
	if read.Diagnostics.WarningsCount() != 1 || read.Diagnostics.Warnings()[0].Summary() != "Resource Removed Outside Terraform" {
		t.Errorf("diagnostics = %v, want one warning that the policy was removed outside Terraform", read.Diagnostics)
	}

	del := fwresource.DeleteResponse{State: st}
	r.Delete(ctx, fwresource.DeleteRequest{State: st}, &del)
	if del.Diagnostics.HasError() {
		t.Errorf("Delete of a policy the server lacks failed: %v", del.Diagnostics)
	}
}
