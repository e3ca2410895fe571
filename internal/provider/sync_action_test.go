package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/idp/terraform-provider-idp/internal/client"
	"github.com/idp/terraform-provider-idp/internal/engine"
)

// Actions exist from Terraform 1.14 on; the suite's other CLIs skip these
// tests, and the docs point their users to engine sync.
var actionsVersion = version.Must(version.NewVersion("1.14.0"))

// syncTriggeredConfig: the integration and a remediating policy, each of
// which runs idp_sync after it is created or updated. The integration
// depends on the policy, so that the first sync runs under it.
func syncTriggeredConfig(e *testEnv, detections, severity string) string {
	return e.config(fmt.Sprintf(`
action "idp_sync" "now" {}

resource "idp_policy" "leaked_credentials" {
  type                  = "leaked_credentials"
  severity              = %q
  remediate_risky_users = true
  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.idp_sync.now]
    }
  }
}

resource "idp_integration" "test" {
  source = {
    file = {
      detections = [%q]
    }
  }
  depends_on = [idp_policy.leaked_credentials]
  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.idp_sync.now]
    }
  }
}
`, severity, detections))
}

// An action_trigger syncs after the settings change, so the detections
// are processed under the policy as configured; a later change of the
// policy triggers a sync that processes what arrived since under the new
// threshold.
func TestAccSyncAction_trigger(t *testing.T) {
	e := newTestEnv(t)
	detections := filepath.Join(t.TempDir(), "detections.ndjson")
	fixture, err := os.ReadFile(testdataPath(t, "detections.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(fixture), "\n")
	// lc-alice (low) and lc-bob (high, remediated) only, for now.
	if err := os.WriteFile(detections, []byte(lines[0]+lines[1]), 0o600); err != nil {
		t.Fatal(err)
	}
	leakedAlerts := func(want ...string) resource.TestCheckFunc {
		return e.checkEngine(func(ctx context.Context, c client.Client) error {
			page, err := c.Alerts(ctx, engine.AlertQuery{Policy: engine.PolicyLeakedCredentials})
			if err != nil {
				return err
			}
			var got []string
			for _, a := range page.Alerts {
				got = append(got, a.UserPrincipalName)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				return fmt.Errorf("leaked-credential alerts of %v, want %v", got, want)
			}
			return nil
		})
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(actionsVersion)},
		Steps: []resource.TestStep{
			{
				Config: syncTriggeredConfig(e, detections, "low"),
				Check: resource.ComposeAggregateTestCheckFunc(
					leakedAlerts(bob, alice),
					e.checkEngine(func(ctx context.Context, c client.Client) error {
						users, err := allUsers(ctx, c)
						if err == nil && len(users) != 1 {
							err = fmt.Errorf("users at risk %+v, want alice's (bob's credential is remediated, so resolved)", users)
						}
						return err
					}),
				),
			},
			{
				// carol's medium credential arrives; the threshold goes to
				// high before the triggered sync reads it, so no alert.
				PreConfig: func() {
					if err := os.WriteFile(detections, []byte(lines[0]+lines[1]+lines[2]), 0o600); err != nil {
						t.Fatal(err)
					}
				},
				Config: syncTriggeredConfig(e, detections, "high"),
				Check:  leakedAlerts(bob, alice),
			},
		},
	})
}

// terraform apply -invoke=action.idp_sync.NAME runs one sync and reports
// its summary as progress; plan and apply without -invoke do not sync.
// The test runs the real CLI against the provider served in this process.
func TestAccSyncAction_invoke(t *testing.T) {
	e := newTestEnv(t)
	tf := terraformAtLeast(t, actionsVersion)
	dir := t.TempDir()
	detections := testdataPath(t, "detections.ndjson")
	config := e.config(fmt.Sprintf(`
terraform {
  required_providers {
    idp = { source = "idp/idp" }
  }
}

action "idp_sync" "now" {}

resource "idp_integration" "test" {
  source = {
    file = {
      detections = [%q]
    }
  }
}
`, detections))
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	run := tf.runner(t, e, dir)
	run("init", "-input=false")
	run("apply", "-auto-approve", "-input=false")
	alerts := func() int {
		var n int
		if err := e.engine(func(ctx context.Context, c client.Client) error {
			page, err := c.Alerts(ctx, engine.AlertQuery{})
			n = page.Total
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := alerts(); n != 0 {
		t.Fatalf("apply without -invoke raised %d alerts", n)
	}
	out := run("apply", "-auto-approve", "-input=false", "-invoke=action.idp_sync.now")
	// testdata/detections.ndjson: 8 records, 5 alerts under the defaults.
	for _, want := range []string{"read 8 records (8 accepted", "alerts: 5 created", "Actions: 1 invoked"} {
		if !strings.Contains(out, want) {
			t.Errorf("the invoke's output lacks %q:\n%s", want, out)
		}
	}
	if n := alerts(); n != 5 {
		t.Fatalf("after the invoke, %d alerts, want 5", n)
	}
	out = run("apply", "-auto-approve", "-input=false", "-invoke=action.idp_sync.now")
	if !strings.Contains(out, "read 0 records") {
		t.Errorf("a second invoke read records again:\n%s", out)
	}
}

// terraformCLI is the CLI the acceptance tests run.
type terraformCLI struct{ path string }

// terraformAtLeast is the acceptance tests' CLI; the test skips when it is
// older than minimum.
func terraformAtLeast(t *testing.T, minimum *version.Version) terraformCLI {
	t.Helper()
	tf, v := acceptanceTerraform(t)
	if v.LessThan(minimum) {
		t.Skipf("not for Terraform %s: this test needs %s or later", v, minimum)
	}
	return tf
}

// acceptanceTerraform is the CLI the acceptance tests run and its version:
// TF_ACC_TERRAFORM_PATH, else terraform on PATH, as the testing framework
// chooses.
func acceptanceTerraform(t *testing.T) (terraformCLI, *version.Version) {
	t.Helper()
	path := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if path == "" {
		if path, _ = exec.LookPath("terraform"); path == "" {
			t.Fatal("no Terraform CLI: set TF_ACC_TERRAFORM_PATH")
		}
	}
	out, err := exec.Command(path, "version", "-json").Output()
	if err != nil {
		t.Fatalf("%s version: %v", path, err)
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatal(err)
	}
	parsed, err := version.NewVersion(v.Version)
	if err != nil {
		t.Fatal(err)
	}
	return terraformCLI{path: path}, parsed
}

// runner serves the provider in this process (as the testing framework
// does, through TF_REATTACH_PROVIDERS) and returns a function that runs
// one Terraform command in dir and returns its output, failing the test
// when the command fails.
func (tf terraformCLI) runner(t *testing.T, e *testEnv, dir string) func(args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	reattach := make(chan *plugin.ReattachConfig)
	closed := make(chan struct{})
	const addr = "registry.terraform.io/idp/idp"
	factory := providerserver.NewProtocol6(&idpProvider{version: "test", open: e.open})
	go func() {
		err := tf6server.Serve(addr, factory, tf6server.WithDebug(ctx, reattach, closed),
			tf6server.WithGoPluginLogger(hclog.NewNullLogger()), tf6server.WithoutLogStderrOverride(), tf6server.WithLoggingSink(t))
		if err != nil {
			t.Errorf("serving the provider: %v", err)
		}
	}()
	var cfg *plugin.ReattachConfig
	select {
	case cfg = <-reattach:
	case <-closed:
		t.Fatal("the provider server stopped before it started")
	}
	t.Cleanup(func() {
		cancel()
		<-closed
	})
	providers, err := json.Marshal(map[string]any{addr: map[string]any{
		"Protocol": cfg.Protocol, "ProtocolVersion": cfg.ProtocolVersion, "Pid": cfg.Pid, "Test": true,
		"Addr": map[string]string{"Network": cfg.Addr.Network(), "String": cfg.Addr.String()},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return func(args ...string) string {
		t.Helper()
		// terraform -chdir=DIR COMMAND -no-color ARGS...
		argv := append([]string{"-chdir=" + dir, args[0], "-no-color"}, args[1:]...)
		cmd := exec.Command(tf.path, argv...)
		cmd.Env = append(os.Environ(), "TF_REATTACH_PROVIDERS="+string(providers), "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
}
