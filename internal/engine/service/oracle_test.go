package service_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/service"
	"github.com/idp/terraform-provider-idp/internal/engine/store/storeopen"
	"github.com/idp/terraform-provider-idp/internal/generate"
)

// oracleAlert is an alert as this file computes it, independently of the
// engine: straight from contract §3 (ARCHITECTURE.md), over the final detection set.
type oracleAlert struct {
	policy, severity, status, user, upn, display, types string
	count                                               int
	first, last                                         time.Time
}

type oracleDetection struct {
	ID, UserID, RiskEventType, RiskLevel, RiskState, Activity string
	UserPrincipalName, UserDisplayName                        string
	ActivityDateTime, DetectedDateTime, LastUpdatedDateTime   time.Time
}

func (d oracleDetection) version() time.Time {
	switch {
	case !d.LastUpdatedDateTime.IsZero():
		return d.LastUpdatedDateTime
	case !d.DetectedDateTime.IsZero():
		return d.DetectedDateTime
	}
	return d.ActivityDateTime
}

var rank = map[string]int{"low": 1, "medium": 2, "high": 3}

// oracle computes the alerts of the default policies over an NDJSON input
// of valid records: the newest copy of each id wins (the first of equals).
func oracle(t *testing.T, input []byte) map[string]oracleAlert {
	t.Helper()
	final := map[string]oracleDetection{}
	for _, line := range bytes.Split(input, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var d oracleDetection
		if err := json.Unmarshal(line, &d); err != nil {
			t.Fatal(err)
		}
		if old, ok := final[d.ID]; !ok || d.version().After(old.version()) {
			final[d.ID] = d
		}
	}
	out := map[string]oracleAlert{}
	type window struct {
		user  string
		start int64
	}
	groups := map[window][]oracleDetection{}
	for _, d := range final {
		switch {
		case d.RiskEventType == "leakedCredentials":
			if rank[d.RiskLevel] >= 1 {
				out[engine.DetectionGroup("leaked_credentials", engine.KeyOf(d.ID)).AlertID()] = summarize("leaked_credentials", []oracleDetection{d})
			}
		case d.Activity == "signin":
			day := int64(24 * time.Hour)
			ns := d.ActivityDateTime.UnixNano()
			start := ns - ((ns%day)+day)%day
			groups[window{d.UserID, start}] = append(groups[window{d.UserID, start}], d)
		}
	}
	for w, members := range groups {
		a := summarize("risky_sign_in", members)
		if a.severity == "high" {
			out[engine.WindowGroup("risky_sign_in", w.user, time.Unix(0, w.start), 24*time.Hour).AlertID()] = a
		}
	}
	return out
}

func summarize(policy string, ms []oracleDetection) oracleAlert {
	sort.Slice(ms, func(i, j int) bool {
		if !ms[i].ActivityDateTime.Equal(ms[j].ActivityDateTime) {
			return ms[i].ActivityDateTime.Before(ms[j].ActivityDateTime)
		}
		ki, kj := engine.KeyOf(ms[i].ID), engine.KeyOf(ms[j].ID)
		return bytes.Compare(ki[:], kj[:]) < 0
	})
	a := oracleAlert{policy: policy, status: "resolved", count: len(ms), first: ms[0].ActivityDateTime, last: ms[len(ms)-1].ActivityDateTime}
	best := 0
	types := map[string]bool{}
	for _, m := range ms {
		if rank[m.RiskLevel] > best {
			best = rank[m.RiskLevel]
		}
		if m.RiskState != "dismissed" && m.RiskState != "remediated" && m.RiskState != "confirmedSafe" {
			a.status = "open"
		}
		types[m.RiskEventType] = true
	}
	a.severity = []string{"", "low", "medium", "high"}[best]
	newest := ms[len(ms)-1]
	a.user, a.upn, a.display = newest.UserID, newest.UserPrincipalName, newest.UserDisplayName
	var ts []string
	for k := range types {
		ts = append(ts, k)
	}
	sort.Strings(ts)
	a.types = strings.Join(ts, ",")
	return a
}

func engineAlerts(t *testing.T, svc *service.Service) map[string]oracleAlert {
	t.Helper()
	page, err := svc.Alerts(ctx, engine.AlertQuery{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]oracleAlert{}
	for _, a := range page.Alerts {
		out[a.ID] = oracleAlert{policy: a.Policy, severity: string(a.Severity), status: string(a.Status), user: a.UserID,
			upn: a.UserPrincipalName, display: a.UserDisplayName, types: strings.Join(a.RiskEventTypes, ","),
			count: a.DetectionCount, first: a.FirstSeen, last: a.LastSeen}
	}
	return out
}

func compareAlerts(t *testing.T, got, want map[string]oracleAlert) {
	t.Helper()
	if len(want) == 0 {
		t.Fatal("the oracle expects no alerts: the test input is too small to prove anything")
	}
	for id, w := range want {
		g, ok := got[id]
		if !ok {
			t.Errorf("missing alert %s: %+v", id, w)
			continue
		}
		if fmt.Sprintf("%+v", g) != fmt.Sprintf("%+v", w) {
			t.Errorf("alert %s:\n got  %+v\n want %+v", id, g, w)
		}
	}
	for id, g := range got {
		if _, ok := want[id]; !ok {
			t.Errorf("unexpected alert %s: %+v", id, g)
		}
	}
}

func generated(t *testing.T, records int, seed uint64) []byte {
	t.Helper()
	var b bytes.Buffer
	// Few users, so windows hold many members and updates move states.
	if err := generate.Detections(&b, generate.Options{Records: records, Users: 40, Seed: seed, UpdateEvery: 7, StaleEvery: 11}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestAlertsMatchTheContract ingests a generated input with updates and
// stale copies and compares every alert with the contract's definition.
func TestAlertsMatchTheContract(t *testing.T) {
	input := generated(t, 20_000, 7)
	svc := open(t, service.Config{TxRecords: 3_000})
	ingest(t, svc, string(input))
	compareAlerts(t, engineAlerts(t, svc), oracle(t, input))
}

// TestOrderIndependence: the alert set is a function of the final
// detection set, whatever order and batching brought it.
func TestOrderIndependence(t *testing.T) {
	input := generated(t, 8_000, 11)
	want := oracle(t, input)
	lines := strings.SplitAfter(strings.TrimSpace(string(input)), "\n")
	for seed := uint64(1); seed <= 3; seed++ {
		rng := rand.New(rand.NewPCG(seed, seed))
		shuffled := append([]string(nil), lines...)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		svc := open(t, service.Config{TxRecords: 500 + int(seed)*700})
		// Several ingests of uneven slices.
		for start := 0; start < len(shuffled); {
			end := min(len(shuffled), start+1+rng.IntN(3000))
			ingest(t, svc, strings.Join(shuffled[start:end], "\n")+"\n")
			start = end
		}
		compareAlerts(t, engineAlerts(t, svc), want)
	}
}

// Two engines on one data directory (two processes, as far as SQLite is
// concerned) ingest at once and agree with one engine over everything.
func TestConcurrentIngestsOnOneDataDirectory(t *testing.T) {
	input := generated(t, 10_000, 5)
	lines := strings.SplitAfter(strings.TrimSpace(string(input)), "\n")
	dir := t.TempDir()
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := 0; i < 2; i++ {
		svc, err := storeopen.Service(ctx, service.Config{DataDir: dir, TxRecords: 700})
		if err != nil {
			t.Fatal(err)
		}
		defer svc.Close()
		// Overlapping halves: the middle third is ingested by both.
		part := lines[i*len(lines)/3 : (i+2)*len(lines)/3]
		if i == 1 {
			part = lines[len(lines)/3:]
		}
		if i == 0 {
			part = lines[:2*len(lines)/3]
		}
		wg.Add(1)
		go func(i int, svc *service.Service, part []string) {
			defer wg.Done()
			_, errs[i] = svc.IngestDetections(ctx, strings.NewReader(strings.Join(part, "")), service.IngestOptions{Source: "half"})
		}(i, svc, part)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	svc, err := storeopen.Service(ctx, service.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	compareAlerts(t, engineAlerts(t, svc), oracle(t, input))
}
