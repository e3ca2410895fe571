package service_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph/graphtest"
	"github.com/idp/terraform-provider-idp/internal/engine/service"
)

// A full pull, across many pages, empty and unordered ones included, ends
// exactly where ingesting the same records from files does.
func TestGraphSyncEqualsFileIngest(t *testing.T) {
	for _, tc := range []struct {
		name     string
		pageSize int
		behavior graphtest.Behavior
		minPages int
	}{
		{name: "default page size", pageSize: 0, minPages: 5},
		{name: "small unordered pages", pageSize: 37, behavior: graphtest.Behavior{Unordered: true}, minPages: 55},
		{name: "empty pages in between", pageSize: 100, behavior: graphtest.Behavior{Unordered: true, EmptyPageEvery: 3, DevicePageSize: 50}, minPages: 30},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newGraphEnv(t)
			d := newDataset(t, 2000, 150, 7)
			e.load(t, d)
			e.srv.SetBehavior(tc.behavior)

			svc := e.engineOn(t, "", nil, e.source(tc.pageSize, false), nil)
			remediating(t, svc)
			got := syncOK(t, svc)
			ref, want := e.fromFiles(t, d)
			sameOutcome(t, svc, ref)

			g, w := got.Ingest, want
			if g.Read != w.Read || g.Accepted != w.Accepted || g.Updated != w.Updated || g.Duplicates != w.Duplicates ||
				g.Quarantined != w.Quarantined || g.UsersRemediated != w.UsersRemediated || g.AlertsCreated != w.AlertsCreated {
				t.Errorf("graph summary %+v\n file summary %+v", g, w)
			}
			if want := int64(d.valid + d.bad + d.deviceN); g.Read != want || g.Quarantined != int64(d.bad) {
				t.Errorf("read %d, quarantined %d; want %d and %d", g.Read, g.Quarantined, want, d.bad)
			}
			if got.Writeback != nil {
				t.Errorf("writeback is off, yet the summary reports %+v", *got.Writeback)
			}
			if pages := e.srv.Stats().Pages; pages < tc.minPages {
				t.Errorf("%d pages served, want at least %d", pages, tc.minPages)
			}

			// Quarantined Graph records name the source and their place in
			// the pull.
			q, err := allQuarantine(context.Background(), svc)
			if err != nil {
				t.Fatal(err)
			}
			for _, entry := range q {
				if entry.Source != "graph" || entry.Line < 1 || entry.Line > int64(d.valid+d.bad) {
					t.Errorf("quarantine entry from %q line %d, want graph and a line in 1..%d", entry.Source, entry.Line, d.valid+d.bad)
				}
			}

			// The next sync reads no detection again; devices are a
			// snapshot, read whole and found unchanged.
			again := syncOK(t, svc).Ingest
			if again.Read != int64(d.deviceN) || again.Duplicates != int64(d.deviceN) || again.Accepted+again.Updated+again.Quarantined != 0 {
				t.Errorf("second sync %+v: want only the %d devices, as duplicates", again, d.deviceN)
			}
			sameOutcome(t, svc, ref)
		})
	}
}

// Later syncs read only what changed, and updates apply as they would
// from a file holding both versions.
func TestGraphSyncReadsOnlyChanges(t *testing.T) {
	e := newGraphEnv(t)
	e.srv.SetBehavior(graphtest.Behavior{Unordered: true})
	d := newDataset(t, 600, 80, 3)
	e.load(t, d)
	svc := e.engineOn(t, "", nil, e.source(50, false), nil)
	remediating(t, svc)
	syncOK(t, svc)

	// Three detections change (one to a level that alerts, two resolved)
	// and two are new.
	changes := []string{
		`{"id":"new-1","userId":"u-new","userPrincipalName":"new@contoso.example","riskEventType":"leakedCredentials","riskLevel":"low","riskState":"atRisk","activityDateTime":"2030-01-01T10:00:00Z","lastUpdatedDateTime":"2030-01-01T10:00:00Z"}`,
		`{"id":"new-2","userId":"u-new","userPrincipalName":"new@contoso.example","riskEventType":"unlikelyTravel","activity":"signin","riskLevel":"high","riskState":"atRisk","activityDateTime":"2030-01-01T11:00:00Z","lastUpdatedDateTime":"2030-01-01T11:00:00Z"}`,
		`{"id":"odd-enum","userId":"u-odd","userPrincipalName":"odd@contoso.example","riskEventType":"leakedCredentials","riskLevel":"high","riskState":"remediated","activityDateTime":"2025-06-02T10:00:00.1234567Z","lastUpdatedDateTime":"2030-01-02T00:00:00Z"}`,
		`{"id":"odd-beta","userId":"u-odd","userPrincipalName":"odd@contoso.example","riskType":"leakedCredentials","riskLevel":"high","riskState":"dismissed","activityDateTime":"2025-06-02T11:00:00Z","lastUpdatedDateTime":"2030-01-02T00:00:01Z"}`,
	}
	if err := e.srv.AddDetections(stringsToAny(changes)...); err != nil {
		t.Fatal(err)
	}
	sum := syncOK(t, svc).Ingest
	detRead := sum.Read - int64(d.deviceN)
	if detRead != int64(len(changes)) || sum.Accepted != 2 || sum.Updated != 2 {
		t.Errorf("second sync %+v: want %d detections read, 2 accepted, 2 updated", sum, len(changes))
	}

	ref, _ := e.fromFiles(t, d)
	if _, err := ref.IngestDetections(context.Background(), strings.NewReader(strings.Join(changes, "\n")), service.IngestOptions{Source: "changes"}); err != nil {
		t.Fatal(err)
	}
	sameOutcome(t, svc, ref)
	for _, a := range allAlerts(t, svc) {
		if a.UserID == "u-odd" && a.Status != engine.AlertResolved {
			t.Errorf("alert %s of u-odd is %s after its detections were resolved", a.ID, a.Status)
		}
	}
}

func stringsToAny(s []string) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}

// A sync interrupted between pages, however, loses nothing and duplicates
// nothing once the next sync has run.
func TestGraphSyncResumesAfterACrash(t *testing.T) {
	type crash struct {
		fs       *faultStore
		cancel   context.CancelFunc
		e        *graphEnv
		pageSize int
	}
	for _, tc := range []struct {
		name string
		// arm sets the failure up; the first sync must fail.
		arm func(c *crash)
		// committed is how many pages the first sync commits.
		committed int
		// orOneMore allows one page more: pages are fetched while the one
		// before commits, so a page already served when Graph starts
		// failing still commits.
		orOneMore bool
		// reread is whether the second pull starts over (an expired
		// nextLink): the committed pages are then read again as
		// duplicates, and their bad records quarantined again.
		reread bool
	}{
		{name: "store fails at the 4th page", committed: 3, arm: func(c *crash) { c.fs.failPage = 4 }},
		{name: "store fails at the 1st page", committed: 0, arm: func(c *crash) { c.fs.failPage = 1 }},
		{name: "context cancelled after the 3rd page", committed: 3, arm: func(c *crash) {
			c.fs.afterPage = func(n int) {
				if n == 3 {
					c.cancel()
				}
			}
		}},
		{name: "Graph fails after the 5th page", committed: 5, orOneMore: true, arm: func(c *crash) {
			c.fs.afterPage = func(n int) {
				if n == 5 {
					c.e.srv.SetBehavior(graphtest.Behavior{Unordered: true, UnavailableNext: 1000})
				}
			}
		}},
		{name: "crash, then the stored nextLink has expired", committed: 2, reread: true, arm: func(c *crash) {
			c.fs.afterPage = func(n int) {
				if n == 2 {
					c.cancel()
				}
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newGraphEnv(t)
			e.srv.SetBehavior(graphtest.Behavior{Unordered: true})
			d := newDataset(t, 1500, 120, 11)
			e.load(t, d)
			ref, want := e.fromFiles(t, d)

			dir := t.TempDir()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			c := &crash{fs: &faultStore{}, cancel: cancel, e: e, pageSize: 100}
			tc.arm(c)
			svc := e.engineOn(t, dir, c.fs, e.source(c.pageSize, false), nil)
			remediating(t, svc)

			first, err := svc.Sync(ctx)
			if err == nil {
				t.Fatal("the first sync did not fail: the test proves nothing")
			}
			checkSummary(t, first)
			committed := tc.committed
			if tc.orOneMore && c.fs.pages == committed+1 {
				committed++
			}
			if c.fs.pages != committed || first.Read-int64(d.deviceN) != int64(committed*c.pageSize) {
				t.Errorf("the first sync committed %d pages and counted %d detections; want %d pages of %d",
					c.fs.pages, first.Read-int64(d.deviceN), tc.committed, c.pageSize)
			}

			// The process restarts: a new engine on the same store.
			e.srv.SetBehavior(graphtest.Behavior{Unordered: true})
			if tc.reread {
				e.srv.ExpireSkipTokens()
			}
			c.fs.failPage, c.fs.afterPage = 0, nil
			svc2 := e.engineOn(t, dir, &faultStore{}, e.source(c.pageSize, false), nil)
			second := syncOK(t, svc2).Ingest

			sameAlertsAndUsers(t, svc2, ref)
			total := first
			total.Add(second)
			total.Read -= int64(d.deviceN) * 2 // devices are read by both
			total.Accepted -= int64(d.deviceN)
			total.Duplicates -= int64(d.deviceN)
			if want.Accepted-int64(d.deviceN) != total.Accepted || total.Updated != 0 {
				t.Errorf("accepted %d, updated %d over both syncs; want %d and 0", total.Accepted, total.Updated, want.Accepted-int64(d.deviceN))
			}
			if tc.reread {
				if total.Duplicates == 0 {
					t.Error("the restarted pull read nothing twice: the nextLink did not expire")
				}
				// Re-read bad records come at the same place in the pull:
				// the store keeps one quarantine entry for them.
				if !equalStrings(quarantined(t, svc2), quarantined(t, ref)) {
					t.Error("the quarantine differs from the uninterrupted reference")
				}
				return
			}
			if total.Duplicates != 0 || total.Quarantined != int64(d.bad) {
				t.Errorf("over both syncs: %d duplicates, %d quarantined; want 0 and %d", total.Duplicates, total.Quarantined, d.bad)
			}
			if !equalStrings(quarantined(t, svc2), quarantined(t, ref)) {
				t.Error("the quarantine differs from the uninterrupted reference")
			}
		})
	}
}

// sameAlertsAndUsers is sameOutcome without the quarantine.
func sameAlertsAndUsers(t *testing.T, got, want *service.Service) {
	t.Helper()
	ga, wa := allAlerts(t, got), allAlerts(t, want)
	if len(ga) != len(wa) || len(wa) == 0 {
		t.Errorf("%d alerts, want %d", len(ga), len(wa))
	}
	for id, w := range wa {
		if g, ok := ga[id]; !ok || !alertEqual(g, w) || g.DetectionCount != w.DetectionCount {
			t.Errorf("alert %s differs:\n got %+v\nwant %+v", id, g, w)
		}
	}
	gu, _ := allUsers(context.Background(), got)
	wu, _ := allUsers(context.Background(), want)
	if len(gu) != len(wu) || len(wu) == 0 {
		t.Errorf("%d users at risk, want %d", len(gu), len(wu))
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Throttled and failing runs end where a well-behaved Graph does.
func TestGraphSyncThrottledAndFailingRunsConverge(t *testing.T) {
	for _, tc := range []struct {
		name      string
		behavior  graphtest.Behavior
		throttled bool
	}{
		{name: "429 without Retry-After on every 2nd request", behavior: graphtest.Behavior{ThrottleEvery: 2}, throttled: true},
		{name: "429 with Retry-After on every 3rd request", behavior: graphtest.Behavior{ThrottleEvery: 3, RetryAfter: 2_000_000_000}, throttled: true},
		{name: "503 on every 3rd request", behavior: graphtest.Behavior{UnavailableEvery: 3}},
		{name: "throttled, failing, unordered, empty pages", behavior: graphtest.Behavior{Unordered: true, EmptyPageEvery: 4, ThrottleEvery: 5, UnavailableEvery: 7}, throttled: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newGraphEnv(t)
			d := newDataset(t, 1200, 100, 5)
			e.load(t, d)
			e.srv.SetBehavior(tc.behavior)
			svc := e.engineOn(t, "", nil, e.source(60, false), nil)
			remediating(t, svc)
			sum := syncOK(t, svc).Ingest
			ref, want := e.fromFiles(t, d)
			sameOutcome(t, svc, ref)
			if sum.Accepted != want.Accepted || sum.Quarantined != want.Quarantined {
				t.Errorf("accepted %d, quarantined %d; want %d and %d", sum.Accepted, sum.Quarantined, want.Accepted, want.Quarantined)
			}
			st := e.srv.Stats()
			if tc.throttled && st.Throttled == 0 || !tc.throttled && st.Unavailable == 0 {
				t.Errorf("stats %+v: the fault never happened", st)
			}
			if e.sleeps.count() != st.Throttled+st.Unavailable {
				t.Errorf("the client waited %d times for %d refused requests", e.sleeps.count(), st.Throttled+st.Unavailable)
			}
		})
	}
}

// While the integration is disabled, Sync consumes nothing from Graph.
func TestGraphSyncDisabledSendsNothing(t *testing.T) {
	e := newGraphEnv(t)
	d := newDataset(t, 100, 20, 1)
	e.load(t, d)
	svc := e.engineOn(t, "", nil, e.source(0, true), nil)
	in, err := svc.Integration(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	in.Enabled = false
	if _, err := svc.SetIntegration(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := svc.Sync(context.Background()); !errors.Is(err, engine.ErrDisabled) {
			t.Fatalf("Sync while disabled: %v, want ErrDisabled", err)
		}
	}
	if st := e.srv.Stats(); st.TokenRequests != 0 || st.GraphRequests != 0 {
		t.Fatalf("Graph saw %d token requests and %d requests while disabled", st.TokenRequests, st.GraphRequests)
	}
	// Enabled again, it picks up everything.
	in.Enabled = true
	if _, err := svc.SetIntegration(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	if sum := syncOK(t, svc).Ingest; sum.Accepted != int64(d.valid+d.deviceN) {
		t.Errorf("accepted %d after enabling, want %d", sum.Accepted, d.valid+d.deviceN)
	}
}

func TestGraphSyncConfiguration(t *testing.T) {
	for _, tc := range []struct {
		name string
		// edit changes the source; env is IDP_GRAPH_CLIENT_SECRET.
		edit    func(*engine.GraphSource)
		env     string
		wantErr string // "" for success
		// refused: SetIntegration refuses the setting, naming this field;
		// otherwise an error is the sync's.
		refused string
		pages   int // detection and device pages served, on success
	}{
		{name: "defaults: pages of 500", edit: func(*engine.GraphSource) {}, pages: 3 + 1},
		// 1200 records in full pages of 400: a last, empty page ends the pull.
		{name: "page_size 400", edit: func(g *engine.GraphSource) { g.PageSize = 400 }, pages: 4 + 1},
		{name: "secret from the environment", edit: func(g *engine.GraphSource) { g.ClientSecret = "" }, env: gSecret, pages: 3 + 1},
		{name: "no secret anywhere", edit: func(g *engine.GraphSource) { g.ClientSecret = "" }, wantErr: "client_secret is required: set it in the source or in IDP_GRAPH_CLIENT_SECRET"},
		{name: "page_size above the maximum", edit: func(g *engine.GraphSource) { g.PageSize = 501 },
			wantErr: "page_size 501 is not between 1 and 500", refused: "source.graph.page_size"},
		{name: "tenant missing", edit: func(g *engine.GraphSource) { g.TenantID = "" },
			wantErr: "tenant_id is required", refused: "source.graph.tenant_id"},
		{name: "tenant with a slash", edit: func(g *engine.GraphSource) { g.TenantID = "contoso/x" },
			wantErr: "tenant_id", refused: "source.graph.tenant_id"},
		{name: "client id blank", edit: func(g *engine.GraphSource) { g.ClientID = " " },
			wantErr: "client_id is required", refused: "source.graph.client_id"},
		{name: "graph_url in clear", edit: func(g *engine.GraphSource) { g.GraphURL = "http://graph.example.com" },
			wantErr: "graph_url", refused: "source.graph.graph_url"},
		{name: "authority_url not absolute", edit: func(g *engine.GraphSource) { g.AuthorityURL = "login.microsoftonline.com" },
			wantErr: "authority_url", refused: "source.graph.authority_url"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(service.GraphSecretEnv, tc.env)
			e := newGraphEnv(t)
			if err := e.srv.AddDetections(stringsToAny(generatedRecords(t, 1200))...); err != nil {
				t.Fatal(err)
			}
			src := e.source(0, false)
			tc.edit(src.Graph)
			if tc.refused != "" {
				svc := e.engineOn(t, "", nil, nil, nil)
				in := engine.DefaultIntegration()
				in.Source = src
				_, err := svc.SetIntegration(context.Background(), in)
				var fe *engine.FieldError
				if !errors.Is(err, engine.ErrInvalid) || !errors.As(err, &fe) || fe.Field != tc.refused || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("SetIntegration: %v, want an invalid %s containing %q", err, tc.refused, tc.wantErr)
				}
				if stored, err := svc.Integration(context.Background()); err != nil || stored.Source != nil {
					t.Fatalf("after the refusal the engine holds the source %+v (%v)", stored.Source, err)
				}
				return
			}
			svc := e.engineOn(t, "", nil, src, nil)
			_, err := svc.Sync(context.Background())
			if tc.wantErr != "" {
				if err == nil || !errors.Is(err, engine.ErrInvalid) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %v, want an invalid-setting error containing %q", err, tc.wantErr)
				}
				if st := e.srv.Stats(); st.TokenRequests+st.GraphRequests != 0 {
					t.Errorf("a misconfigured source still sent %d requests", st.TokenRequests+st.GraphRequests)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := e.srv.Stats().Pages; got != tc.pages {
				t.Errorf("%d pages served, want %d", got, tc.pages)
			}
		})
	}
}

// generatedRecords is n generated detections, one JSON object each.
func generatedRecords(t testing.TB, n int) []string {
	t.Helper()
	d := newDataset(t, n, 50, 2)
	lines := strings.Split(strings.TrimSpace(d.detections), "\n")
	return lines[:n]
}

// A pull the client gives up on fails the sync with an error that says
// so; the committed pages stay.
func TestGraphSyncReportsAFailedPull(t *testing.T) {
	e := newGraphEnv(t)
	if err := e.srv.AddDetections(stringsToAny(generatedRecords(t, 300))...); err != nil {
		t.Fatal(err)
	}
	e.srv.SetBehavior(graphtest.Behavior{DenyPermissions: []string{graph.PermissionRiskDetections}})
	svc := e.engineOn(t, "", nil, e.source(0, false), nil)
	_, err := svc.Sync(context.Background())
	if !errors.Is(err, graph.ErrPermission) || !strings.Contains(err.Error(), "IdentityRiskEvent.Read.All") {
		t.Fatalf("got %v, want a permission error naming IdentityRiskEvent.Read.All", err)
	}
}
