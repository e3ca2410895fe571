package service_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph/graphtest"
	"github.com/idp/terraform-provider-idp/internal/engine/service"
)

// atRisk is the ids of the users remediation set to high risk.
func atRisk(t testing.TB, svc *service.Service) []string {
	t.Helper()
	users, err := allUsers(context.Background(), svc)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, u := range users {
		if u.RiskLevel == engine.UserRiskHigh {
			ids = append(ids, u.UserID)
		}
	}
	slices.Sort(ids)
	return ids
}

// sentOnce fails unless Graph confirmed exactly want, each id times times,
// and no confirmCompromised body held more than 60 ids.
func sentOnce(t testing.TB, srv *graphtest.Server, want []string, times int) {
	t.Helper()
	counts := map[string]int{}
	for _, id := range srv.Compromised() {
		counts[id]++
	}
	for _, id := range want {
		if counts[id] != times {
			t.Errorf("user %s confirmed %d times, want %d", id, counts[id], times)
		}
		delete(counts, id)
	}
	for id, n := range counts {
		t.Errorf("user %s confirmed %d times, but it is not at risk", id, n)
	}
	for _, body := range srv.ConfirmCompromisedCalls() {
		if len(body) > graph.MaxConfirmBatch {
			t.Errorf("a confirmCompromised body held %d ids", len(body))
		}
	}
}

// wantLog checks each user's audit outcomes, failures matched by prefix.
func wantLog(t testing.TB, svc *service.Service, users []string, outcomes ...string) {
	t.Helper()
	log := remediationsOf(t, svc)
	for _, id := range users {
		got := log[id]
		ok := len(got) == len(outcomes)
		for i := 0; ok && i < len(got); i++ {
			ok = got[i] == outcomes[i] || strings.HasSuffix(outcomes[i], ":") && strings.HasPrefix(got[i], outcomes[i])
		}
		if !ok {
			t.Errorf("user %s: audit outcomes %q, want %q", id, got, outcomes)
		}
	}
}

const failed = engine.OutcomeGraphWritebackFailed + ":"

var failedOutcome = regexp.MustCompile(`^graph_writeback_failed: graph: .+ \(attempts \d+\)$`)

func TestGraphWritebackSendsEachUserOnce(t *testing.T) {
	e := newGraphEnv(t)
	d := newDataset(t, 1500, 150, 21)
	e.load(t, d)
	svc := e.engineOn(t, "", nil, e.source(200, true), nil)
	remediating(t, svc)

	first := syncOK(t, svc)
	users := atRisk(t, svc)
	if len(users) <= graph.MaxConfirmBatch {
		t.Fatalf("only %d users remediated: the batching is not exercised", len(users))
	}
	if wb := first.Writeback; wb == nil || wb.Confirmed != int64(len(users)) || wb.Failed != 0 || first.Ingest.UsersRemediated != int64(len(users)) {
		t.Fatalf("first sync: %+v, writeback %+v; want %d users remediated and confirmed", first.Ingest, first.Writeback, len(users))
	}
	calls := len(e.srv.ConfirmCompromisedCalls())
	if calls < 2 {
		t.Errorf("%d users sent in %d calls", len(users), calls)
	}

	// Nothing new: nothing sent.
	if wb := syncOK(t, svc).Writeback; wb == nil || *wb != (engine.WritebackSummary{}) {
		t.Errorf("second sync wrote back %+v, want nothing", wb)
	}
	if n := len(e.srv.ConfirmCompromisedCalls()); n != calls {
		t.Errorf("a sync with nothing new sent %d more calls", n-calls)
	}

	// A new user, and a new alert for a user already confirmed.
	if err := e.srv.AddDetections(
		`{"id":"late-1","userId":"u-late","userPrincipalName":"late@contoso.example","riskEventType":"leakedCredentials","riskLevel":"low","riskState":"atRisk","activityDateTime":"2030-01-01T10:00:00Z","lastUpdatedDateTime":"2030-01-01T10:00:00Z"}`,
		`{"id":"late-2","userId":"`+users[0]+`","riskEventType":"leakedCredentials","riskLevel":"high","riskState":"atRisk","activityDateTime":"2030-01-01T10:00:00Z","lastUpdatedDateTime":"2030-01-01T10:00:01Z"}`,
	); err != nil {
		t.Fatal(err)
	}
	if wb := syncOK(t, svc).Writeback; wb == nil || wb.Confirmed != 1 {
		t.Errorf("third sync wrote back %+v, want u-late alone", wb)
	}

	// A user remediated by a pushed batch is written back by the next sync.
	pushed := `{"id":"push-1","userId":"u-pushed","riskEventType":"leakedCredentials","riskLevel":"medium","riskState":"atRisk","activityDateTime":"2030-01-01T10:00:00Z"}`
	if _, err := svc.IngestDetections(context.Background(), strings.NewReader(pushed), service.IngestOptions{Source: "push"}); err != nil {
		t.Fatal(err)
	}
	if wb := syncOK(t, svc).Writeback; wb == nil || wb.Confirmed != 1 {
		t.Errorf("fourth sync wrote back %+v, want u-pushed alone", wb)
	}
	syncOK(t, svc)

	all := atRisk(t, svc)
	if len(all) != len(users)+2 {
		t.Fatalf("%d users at risk, want %d", len(all), len(users)+2)
	}
	sentOnce(t, e.srv, all, 1)
	wantLog(t, svc, all, engine.OutcomeApplied, engine.OutcomeGraphConfirmed)
}

// confirmFaults makes the client's confirmCompromised requests fail before
// they reach Graph: an outage or a cut connection on the way.
type confirmFaults struct {
	mu   sync.Mutex
	mode string // "", "503" or "reset"
	next http.RoundTripper
}

func (c *confirmFaults) set(mode string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.mode = mode
}

func (c *confirmFaults) RoundTrip(req *http.Request) (*http.Response, error) {
	c.mu.Lock()
	mode := c.mode
	c.mu.Unlock()
	if strings.HasSuffix(req.URL.Path, "/confirmCompromised") {
		switch mode {
		case "503":
			return &http.Response{
				StatusCode: http.StatusServiceUnavailable, Header: http.Header{"Content-Type": {"application/json"}}, Request: req,
				Body: io.NopCloser(strings.NewReader(`{"error":{"code":"serviceNotAvailable","message":"down for maintenance"}}`)),
			}, nil
		case "reset":
			return nil, errors.New("read tcp 127.0.0.1:1: connection reset by peer")
		}
	}
	return c.next.RoundTrip(req)
}

// A failing write-back never fails the sync or its ingest; it is recorded,
// logged and retried by the next sync.
func TestGraphWritebackFailureIsRetried(t *testing.T) {
	for _, tc := range []struct {
		name     string
		behavior graphtest.Behavior // while failing
		faults   string             // confirmFaults mode while failing
		// failing is which users fail: all of them, or only u-odd.
		onlyOdd  bool
		message  string // in every failure outcome
		attempts string
	}{
		{name: "Graph refuses one user of a batch", behavior: graphtest.Behavior{RejectUserIDs: []string{"u-odd"}}, onlyOdd: true,
			message: "User 'u-odd' was not found", attempts: "(attempts 1)"},
		{name: "permission missing", behavior: graphtest.Behavior{DenyPermissions: []string{graph.PermissionRiskyUsers}},
			message: "IdentityRiskyUser.ReadWrite.All"},
		{name: "503 until the attempts run out", faults: "503", message: "down for maintenance", attempts: "(attempts 4)"},
		{name: "connection reset", faults: "reset", message: "connection reset by peer", attempts: "(attempts 4)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newGraphEnv(t)
			d := newDataset(t, 800, 100, 13)
			e.load(t, d)
			faults := &confirmFaults{mode: tc.faults, next: http.DefaultTransport}
			svc := e.engineOn(t, "", nil, e.source(0, true), func(c *service.Config) {
				c.Graph.HTTPClient = &http.Client{Transport: faults}
			})
			remediating(t, svc)
			e.srv.SetBehavior(tc.behavior)

			first := syncOK(t, svc)
			users := atRisk(t, svc)
			failing := users
			if tc.onlyOdd {
				failing = []string{"u-odd"}
			}
			if first.Ingest.Accepted != int64(d.valid+d.deviceN) || len(allAlerts(t, svc)) == 0 {
				t.Errorf("ingest %+v: the write-back failure held ingestion back", first.Ingest)
			}
			if wb := first.Writeback; wb == nil || wb.Failed != int64(len(failing)) || wb.Confirmed != int64(len(users)-len(failing)) {
				t.Fatalf("writeback %+v, want %d failed and %d confirmed", first.Writeback, len(failing), len(users)-len(failing))
			}
			log, err := allRemediations(context.Background(), svc)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range log {
				if !strings.HasPrefix(r.Outcome, failed) {
					continue
				}
				if !failedOutcome.MatchString(r.Outcome) || !strings.Contains(r.Outcome, tc.message) || !strings.Contains(r.Outcome, tc.attempts) {
					t.Errorf("failure outcome %q, want %q and %q", r.Outcome, tc.message, tc.attempts)
				}
				if r.AlertID == "" || r.Policy == "" {
					t.Errorf("failure entry %+v does not name the remediation it writes back", r)
				}
			}
			if !strings.Contains(e.logs.String(), `"@message":"write-back failed"`) || !strings.Contains(e.logs.String(), `"failed":`+strconv.Itoa(len(failing))) {
				t.Error("the failure was not logged")
			}

			// Healed: the next sync sends the failed users, and only them.
			e.srv.SetBehavior(graphtest.Behavior{})
			faults.set("")
			if wb := syncOK(t, svc).Writeback; wb == nil || wb.Confirmed != int64(len(failing)) || wb.Failed != 0 {
				t.Errorf("retry: writeback %+v, want %d confirmed", wb, len(failing))
			}
			syncOK(t, svc)
			sentOnce(t, e.srv, users, 1)
			wantLog(t, svc, failing, engine.OutcomeApplied, failed, engine.OutcomeGraphConfirmed)
		})
	}
}

// A lasting refusal is retried by the next syncs, then at growing
// intervals, so it does not add an audit entry per user at every poll.
func TestGraphWritebackSpacesLastingFailures(t *testing.T) {
	e := newGraphEnv(t)
	if err := e.srv.AddDetections(
		`{"id":"l-1","userId":"u-1","riskEventType":"leakedCredentials","riskLevel":"low","riskState":"atRisk","activityDateTime":"2025-06-01T10:00:00Z"}`,
		`{"id":"l-2","userId":"u-2","riskEventType":"leakedCredentials","riskLevel":"low","riskState":"atRisk","activityDateTime":"2025-06-01T10:00:00Z"}`,
	); err != nil {
		t.Fatal(err)
	}
	e.srv.SetBehavior(graphtest.Behavior{DenyPermissions: []string{graph.PermissionRiskyUsers}})
	svc := e.engineOn(t, "", nil, e.source(0, true), nil)
	remediating(t, svc)

	for i, step := range []struct {
		advance time.Duration
		sent    bool
	}{
		{0, true}, {0, true}, {0, true}, // the next syncs retry at once
		{0, false}, {4 * time.Minute, false}, {time.Minute, true}, // then after 5 minutes
		{9 * time.Minute, false}, {time.Minute, true}, // 10
		{20 * time.Minute, true}, {40 * time.Minute, true}, // 20, 40
		{30 * time.Minute, false}, {30 * time.Minute, true}, // then at most an hour
		{59 * time.Minute, false}, {time.Minute, true},
	} {
		e.clock.Advance(step.advance)
		before := e.srv.Stats().Forbidden
		wb := syncOK(t, svc).Writeback
		sent := e.srv.Stats().Forbidden > before
		if sent != step.sent || wb == nil || (sent && wb.Failed != 2) || (!sent && wb.Deferred != 2) {
			t.Errorf("sync %d (+%v): sent %v, writeback %+v; want sent %v", i+1, step.advance, sent, wb, step.sent)
		}
	}
	e.srv.SetBehavior(graphtest.Behavior{})
	e.clock.Advance(time.Hour)
	if wb := syncOK(t, svc).Writeback; wb == nil || wb.Confirmed != 2 {
		t.Errorf("after the permission was granted: %+v, want both confirmed", wb)
	}
	sentOnce(t, e.srv, []string{"u-1", "u-2"}, 1)
}

// A crash after Graph accepted a write-back but before its outcome was
// recorded sends those users once more, after the lease expires: Graph's
// confirmCompromised is idempotent, and nothing is sent a third time.
func TestGraphWritebackAfterACrashResendsOnce(t *testing.T) {
	e := newGraphEnv(t)
	d := newDataset(t, 600, 80, 17)
	e.load(t, d)
	crashes := 1
	fs := &faultStore{failAppend: func(rs []engine.Remediation) error {
		if crashes > 0 && len(rs) > 0 && rs[0].Outcome == engine.OutcomeGraphConfirmed {
			crashes--
			return errInjected
		}
		return nil
	}}
	svc := e.engineOn(t, "", fs, e.source(0, true), nil)
	remediating(t, svc)

	first := syncOK(t, svc)
	users := atRisk(t, svc)
	if len(users) == 0 || first.Writeback == nil || first.Writeback.Confirmed != int64(len(users)) {
		t.Fatalf("first sync: writeback %+v for %d users", first.Writeback, len(users))
	}
	wantLog(t, svc, users, engine.OutcomeApplied)
	if !strings.Contains(e.logs.String(), "write-back outcomes could not be recorded") {
		t.Error("the lost outcomes were not logged")
	}

	// The lease of the crashed write-back still holds: nobody sends.
	if wb := syncOK(t, svc).Writeback; wb == nil || wb.Deferred != int64(len(users)) || wb.Confirmed != 0 {
		t.Errorf("sync under the lease: %+v, want all %d deferred", wb, len(users))
	}
	sentOnce(t, e.srv, users, 1)

	e.clock.Advance(11 * time.Minute)
	if wb := syncOK(t, svc).Writeback; wb == nil || wb.Confirmed != int64(len(users)) {
		t.Errorf("sync after the lease: %+v, want all %d confirmed", wb, len(users))
	}
	syncOK(t, svc)
	sentOnce(t, e.srv, users, 2)
	wantLog(t, svc, users, engine.OutcomeApplied, engine.OutcomeGraphConfirmed)
}

// Two engine processes on one store, syncing at once, write each user back
// once between them.
func TestGraphWritebackConcurrentSyncs(t *testing.T) {
	e := newGraphEnv(t)
	d := newDataset(t, 1500, 150, 23)
	e.load(t, d)
	dir := t.TempDir()
	a := e.engineOn(t, dir, nil, e.source(100, true), nil)
	remediating(t, a)
	b := e.engineOn(t, dir, nil, e.source(100, true), nil)

	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, svc := range []*service.Service{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = svc.Sync(context.Background())
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	syncOK(t, a)
	syncOK(t, b)
	users := atRisk(t, a)
	if len(users) <= graph.MaxConfirmBatch {
		t.Fatalf("only %d users at risk", len(users))
	}
	sentOnce(t, e.srv, users, 1)
	wantLog(t, a, users, engine.OutcomeApplied, engine.OutcomeGraphConfirmed)
}

// Without writeback nothing is sent; turned on later, it sends the users
// remediated meanwhile.
func TestGraphWritebackOff(t *testing.T) {
	e := newGraphEnv(t)
	d := newDataset(t, 400, 60, 29)
	e.load(t, d)
	svc := e.engineOn(t, "", nil, e.source(0, false), nil)
	remediating(t, svc)
	syncOK(t, svc)
	users := atRisk(t, svc)
	if len(users) == 0 || len(e.srv.ConfirmCompromisedCalls()) != 0 {
		t.Fatalf("%d users at risk; %d confirmCompromised calls with writeback off", len(users), len(e.srv.ConfirmCompromisedCalls()))
	}
	in, err := svc.Integration(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	in.Source.Graph.Writeback = true
	if _, err := svc.SetIntegration(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	if wb := syncOK(t, svc).Writeback; wb == nil || wb.Confirmed != int64(len(users)) {
		t.Errorf("writeback %+v, want %d confirmed", wb, len(users))
	}
	sentOnce(t, e.srv, users, 1)
}
