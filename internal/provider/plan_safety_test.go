package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/idp/terraform-provider-idp/internal/client"
	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/service"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
	"github.com/idp/terraform-provider-idp/internal/engine/store/storeopen"
)

// Plan is safe: plan, refresh, import and every data-source read leave the
// engine exactly as they found it, even with a source that holds
// detections which would raise alerts and remediate users, in every mode.

// storeSnapshot is what processing would change: every alert, the users
// at risk, the audit log, the quarantine, the last sync, and (when the
// test can open the store itself) the source's cursors.
func (e *testEnv) storeSnapshot(cursors ...string) (string, error) {
	var snap struct {
		Alerts       engine.AlertPage
		Users        []engine.User
		Remediations []engine.Remediation
		Quarantine   []engine.QuarantineEntry
		Status       engine.Status
		Cursors      map[string]string
	}
	err := e.engine(func(ctx context.Context, c client.Client) error {
		var err error
		if snap.Alerts, err = c.Alerts(ctx, engine.AlertQuery{}); err != nil {
			return err
		}
		if snap.Users, err = allUsers(ctx, c); err != nil {
			return err
		}
		if snap.Remediations, err = allRemediations(ctx, c); err != nil {
			return err
		}
		if snap.Quarantine, err = allQuarantine(ctx, c); err != nil {
			return err
		}
		snap.Status, err = c.Status(ctx)
		return err
	})
	if err != nil {
		return "", err
	}
	if e.mode != modeRemote {
		if snap.Cursors, err = e.cursors(cursors...); err != nil {
			return "", err
		}
	}
	b, err := json.Marshal(snap)
	return string(b), err
}

// cursors reads source cursors from the test's store directly: they are
// not part of the client interface.
func (e *testEnv) cursors(names ...string) (map[string]string, error) {
	ctx := context.Background()
	svc, err := storeopen.Service(ctx, service.Config{DataDir: e.dataDir, DatabaseURL: e.databaseURL})
	if err != nil {
		return nil, err
	}
	defer svc.Close()
	out := map[string]string{}
	err = svc.Store().View(ctx, func(r store.Reader) error {
		for _, n := range names {
			c, err := r.Cursor(ctx, n)
			if err != nil {
				return err
			}
			out[n] = c
		}
		return nil
	})
	return out, err
}

func TestAccPlanIsSafe(t *testing.T) {
	e := newTestEnv(t)
	detections := filepath.Join(t.TempDir(), "detections.ndjson")
	fixture, err := os.ReadFile(testdataPath(t, "detections.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	// The first five records now; the rest arrive after the first sync, so
	// that there is always something a read could wrongly process.
	lines := strings.SplitAfter(string(fixture), "\n")
	if err := os.WriteFile(detections, []byte(strings.Join(lines[:5], "")), 0o600); err != nil {
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

resource "idp_policy" "leaked_credentials" {
  type                  = "leaked_credentials"
  remediate_risky_users = true
}

data "idp_alerts" "latest" {
  limit = 1
}

data "idp_alerts" "open" {
  status     = "open"
  depends_on = [idp_integration.test, idp_policy.leaked_credentials]
}
`, detections))
	cursor := "file:detections:" + detections
	var before string
	snapshot := func(*terraform.State) error {
		before, err = e.storeSnapshot(cursor)
		return err
	}
	unchanged := func() {
		after, err := e.storeSnapshot(cursor)
		if err != nil {
			t.Fatal(err)
		}
		if after != before {
			t.Fatalf("plan, refresh or import changed the engine:\nbefore %s\nafter  %s", before, after)
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				Config:           config,
				ConfigPlanChecks: emptyPlanAfterApply,
				Check: e.checkEngine(func(ctx context.Context, c client.Client) error {
					page, err := c.Alerts(ctx, engine.AlertQuery{})
					if err == nil && page.Total != 0 {
						err = fmt.Errorf("apply, plan and refresh raised %d alerts: only a sync may", page.Total)
					}
					return err
				}),
			},
			{
				// A sync processes the first records and remediates; then
				// the rest of the file arrives, unprocessed.
				PreConfig: e.sync(),
				Config:    config,
				Check: resource.ComposeAggregateTestCheckFunc(
					e.checkEngine(func(ctx context.Context, c client.Client) error {
						users, err := allUsers(ctx, c)
						if err == nil && len(users) == 0 {
							err = errors.New("the sync remediated nobody: the test proves nothing")
						}
						return err
					}),
					snapshot,
					func(*terraform.State) error {
						return os.WriteFile(detections, fixture, 0o600)
					},
				),
			},
			{Config: config, PlanOnly: true},
			{RefreshState: true},
			{
				Config:            config,
				ResourceName:      integrationAddr,
				ImportState:       true,
				ImportStateId:     integrationID,
				ImportStateVerify: true,
			},
			{
				Config:        config,
				ResourceName:  "idp_policy.leaked_credentials",
				ImportState:   true,
				ImportStateId: engine.PolicyLeakedCredentials,
			},
			{
				PreConfig: func() {
					unchanged()
					// The records the reads left alone are there to process.
					e.sync()()
				},
				Config: config,
				Check: e.checkEngine(func(ctx context.Context, c client.Client) error {
					after, err := e.storeSnapshot(cursor)
					if err == nil && after == before {
						err = errors.New("the sync after the reads changed nothing: the reads had nothing to leave alone")
					}
					return err
				}),
			},
		},
	})
}

// With a Graph source that writes back, no plan, refresh, import or read
// calls Microsoft Graph; the first sync does, and confirms the users it
// remediates.
func TestAccPlanIsSafe_graph(t *testing.T) {
	e := newTestEnv(t, unthrottledGraph)
	srv := newGraphServer(t, graphSecret, testdataPath(t, "detections.ndjson"), testdataPath(t, "devices.ndjson"))
	config := e.config(fmt.Sprintf(`
resource "idp_integration" "test" {
  source = {
    graph = {
      tenant_id     = %q
      client_id     = %q
      client_secret = %q
      authority_url = %q
      graph_url     = %q
      writeback     = true
    }
  }
}

resource "idp_policy" "leaked_credentials" {
  type                  = "leaked_credentials"
  remediate_risky_users = true
}

data "idp_alerts" "all" {
  limit = 0
}
`, graphTenant, graphClient, graphSecret, srv.URL, srv.URL))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{Config: config, ConfigPlanChecks: emptyPlanAfterApply, Check: graphUntouched(srv)},
			{Config: config, PlanOnly: true},
			{RefreshState: true},
			{
				// The engine never answers the secret, so an import cannot
				// bring it back.
				Config:                  config,
				ResourceName:            integrationAddr,
				ImportState:             true,
				ImportStateId:           integrationID,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"source.graph.client_secret"},
			},
			{
				PreConfig: func() {
					if err := graphUntouched(srv)(nil); err != nil {
						t.Fatal(err)
					}
					e.sync()()
				},
				Config: config,
				Check: func(*terraform.State) error {
					if len(srv.ConfirmCompromisedCalls()) == 0 {
						return errors.New("the sync wrote nobody back: the reads had nothing to leave alone")
					}
					return nil
				},
			},
		},
	})
}
