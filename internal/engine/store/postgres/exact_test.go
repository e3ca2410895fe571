package postgres_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/service"
	"github.com/idp/terraform-provider-idp/internal/engine/store/postgres/pgtest"
	"github.com/idp/terraform-provider-idp/internal/engine/store/storeopen"
	"github.com/idp/terraform-provider-idp/internal/generate"
)

// alertKey is everything of an alert but the engine's timestamps, which
// record when a process got there.
func alertKey(a engine.Alert) string {
	return fmt.Sprintf("%s %s %s %s %s %s %q %d %v %s %s", a.ID, a.Policy, a.Severity, a.Status, a.UserID, a.UserPrincipalName,
		a.UserDisplayName, a.DetectionCount, a.RiskEventTypes, a.FirstSeen.Format("2006-01-02T15:04:05.999999999Z"),
		a.LastSeen.Format("2006-01-02T15:04:05.999999999Z"))
}

func allUsers(ctx context.Context, svc *service.Service) ([]engine.User, error) {
	page, err := svc.Users(ctx, engine.Page{})
	return page.Users, err
}

func alertKeys(t *testing.T, svc *service.Service) []string {
	t.Helper()
	page, err := svc.Alerts(ctx, engine.AlertQuery{})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(page.Alerts))
	for i, a := range page.Alerts {
		out[i] = alertKey(a)
	}
	slices.Sort(out)
	return out
}

// TestConcurrentEnginesAgreeWithOne runs three engines (three stores, three
// pools) on one database, ingesting overlapping slices of one input at once
// in small transactions so that they interleave, and compares the alerts
// with those of one engine over the whole input on SQLite.
func TestConcurrentEnginesAgreeWithOne(t *testing.T) {
	var input bytes.Buffer
	if err := generate.Detections(&input, generate.Options{Records: 6000, Users: 60, Seed: 3, UpdateEvery: 7, StaleEvery: 11}); err != nil {
		t.Fatal(err)
	}
	// Each engine takes two records of every three, so all three work on
	// the same detections, users and windows at the same moment: the
	// worst case for lost updates.
	parts := make([]strings.Builder, 3)
	for i, line := range strings.SplitAfter(input.String(), "\n") {
		for e := range parts {
			if i%3 != e {
				parts[e].WriteString(line)
			}
		}
	}
	slicesOf := []string{parts[0].String(), parts[1].String(), parts[2].String()}
	// Remediation makes users part of the shared state too.
	tune := func(svc *service.Service) {
		if _, err := svc.PutPolicy(ctx, engine.Policy{Type: engine.PolicyRiskySignIn, Enabled: true, Severity: engine.SeverityMedium,
			RemediateRiskyUsers: true}); err != nil {
			t.Fatal(err)
		}
	}

	one, err := storeopen.Service(ctx, service.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer one.Close()
	tune(one)
	if _, err := one.IngestDetections(ctx, strings.NewReader(input.String()), service.IngestOptions{Source: "all"}); err != nil {
		t.Fatal(err)
	}
	want := alertKeys(t, one)

	url := pgtest.URL(t)
	engines := make([]*service.Service, len(slicesOf))
	for i := range engines {
		engines[i], err = storeopen.Service(ctx, service.Config{DatabaseURL: url, TxRecords: 100})
		if err != nil {
			t.Fatal(err)
		}
		defer engines[i].Close()
	}
	tune(engines[0])
	var wg sync.WaitGroup
	errs := make([]error, len(engines))
	for i, svc := range engines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = svc.IngestDetections(ctx, strings.NewReader(slicesOf[i]), service.IngestOptions{Source: fmt.Sprint("slice-", i)})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("engine %d: %v", i, err)
		}
	}
	got := alertKeys(t, engines[1])
	if len(want) == 0 {
		t.Fatal("the input raised no alerts; the comparison would prove nothing")
	}
	if !slices.Equal(got, want) {
		missing, extra := diff(want, got), diff(got, want)
		t.Fatalf("%d alerts, want %d; %d missing, e.g. %v; %d unexpected, e.g. %v", len(got), len(want), len(missing), first(missing), len(extra), first(extra))
	}
	// The running counts, moved by three writers at once, must come out
	// as one writer's.
	overview := func(svc *service.Service) string {
		ov, err := svc.Overview(ctx, engine.OverviewQuery{Days: 366, TopUsers: 100})
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%v %d %d %v %v", ov.Days, ov.Open, ov.Resolved, ov.Policies, ov.TopUsers)
	}
	if got, want := overview(engines[0]), overview(one); got != want {
		t.Fatalf("the overview over three engines differs from one engine's:\n got %s\nwant %s", got, want)
	}
	users, err := allUsers(ctx, engines[2])
	if err != nil {
		t.Fatal(err)
	}
	if len(users) == 0 {
		t.Fatal("no user was remediated; the policy should have remediated some")
	}
}

func diff(a, b []string) []string {
	var out []string
	for _, x := range a {
		if _, found := slices.BinarySearch(b, x); !found {
			out = append(out, x)
		}
	}
	return out
}

func first(xs []string) []string { return xs[:min(3, len(xs))] }
