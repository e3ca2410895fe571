// Package alertfixture is the store the alert-query benchmarks read: a
// million alerts (IDP_BENCH_ALERTS to change that) of many users and
// several policies, spread over 180 days. Building one takes minutes, so
// it is kept between runs: a SQLite data directory under IDP_BENCH_CACHE
// (default: idp-bench in the system's temporary directory), or a
// PostgreSQL database named for it on the server of IDP_TEST_DATABASE_URL.
//
// Alerts are written through the store's own writes, Tx.PutAlerts and
// Tx.AddAlertCounts, with the counts computed by store.AlertCounts.Add as
// ingest computes them: ingesting the detections that would raise a
// million alerts takes far longer and would measure nothing more of a
// query.
package alertfixture

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

// Version names the fixture's shape; a change to Fill changes it, so that
// a cache built by an older Fill is not read as this one.
const Version = 2

// cursorName marks a complete fixture: Fill writes it in its last
// transaction, with the time the alerts are relative to.
const cursorName = "alertfixture"

// Users is how many users the alerts belong to; a fifth of the alerts go
// to the first HeavyUsers of them, as a few users draw most alerts in a
// real tenant.
const (
	Users      = 20_000
	HeavyUsers = 200
)

// RetentionDays is the integration's default retention: the queries hide
// what it hides.
const RetentionDays = 180

// Fixture is a filled store's description.
type Fixture struct {
	N int
	// Now is the time the alerts were spread back from (when Fill ran).
	Now time.Time
}

// NotBefore is the retention bound a read at f.Now applies.
func (f Fixture) NotBefore() time.Time { return f.Now.Add(-RetentionDays * 24 * time.Hour) }

// Size is IDP_BENCH_ALERTS, default 1,000,000.
func Size(tb testing.TB) int {
	s := os.Getenv("IDP_BENCH_ALERTS")
	if s == "" {
		return 1_000_000
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		tb.Fatalf("IDP_BENCH_ALERTS=%q is not a positive number", s)
	}
	return n
}

// UserPrincipalName is user i's name, in mixed case, as Entra ID keeps it.
func UserPrincipalName(i int) string { return fmt.Sprintf("User%05d@Contoso.example", i) }

var policies = []struct {
	name   string
	weight int
	window time.Duration // the most an alert's first and last seen lie apart
	types  []string
}{
	{engine.PolicyRiskySignIn, 50, 24 * time.Hour, []string{"unfamiliarFeatures", "anonymizedIPAddress", "unlikelyTravel"}},
	{engine.PolicyLeakedCredentials, 20, 0, []string{"leakedCredentials"}},
	{"anonymous-ip-abroad", 20, time.Hour, []string{"anonymizedIPAddress"}},
	{"admin-impossible-travel", 10, time.Hour, []string{"mcasImpossibleTravel", "unlikelyTravel"}},
}

// Fill writes n alerts into an empty store, in transactions of 20,000,
// and marks the store complete.
func Fill(ctx context.Context, st store.Store, n int, now time.Time) error {
	rng := rand.New(rand.NewPCG(1, Version))
	total := 0
	for _, p := range policies {
		total += p.weight
	}
	const batch = 20_000
	for done := 0; done < n; done += batch {
		as := make([]engine.Alert, 0, min(batch, n-done))
		var counts store.AlertCounts
		for i := done; i < done+cap(as); i++ {
			a := alert(rng, i, n, total, now)
			counts.Add(a, 1)
			as = append(as, a)
		}
		last := done+batch >= n
		err := st.Update(ctx, func(tx store.Tx) error {
			if err := tx.PutAlerts(ctx, as); err != nil {
				return err
			}
			if err := tx.AddAlertCounts(ctx, counts); err != nil {
				return err
			}
			if last {
				return tx.SetCursor(ctx, cursorName, mark(n, now))
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("filling alerts %d to %d: %w", done, done+len(as), err)
		}
	}
	return nil
}

func alert(rng *rand.Rand, i, n, weights int, now time.Time) engine.Alert {
	w := rng.IntN(weights)
	p := policies[0]
	for _, c := range policies {
		if w < c.weight {
			p = c
			break
		}
		w -= c.weight
	}
	user := rng.IntN(Users)
	if rng.IntN(5) == 0 {
		user = rng.IntN(HeavyUsers)
	}
	// Risky sign-ins alert from medium up (a lowered threshold); the
	// other policies from low up, most alerts low.
	severity := engine.SeverityOfRank(1 + weighted(rng, 45, 35, 20))
	if p.name == engine.PolicyRiskySignIn {
		severity = engine.SeverityOfRank(2 + weighted(rng, 35, 65))
	}
	status := engine.AlertOpen
	if rng.IntN(4) == 0 {
		status = engine.AlertResolved
	}
	// First seen over the last 179 days, so that retention at now keeps
	// every alert, and written roughly in time order, as ingest writes
	// them: alert i is first seen within a minute of its share of the
	// days. Random order would make the fill several times slower and no
	// more like a store that grew by ingest.
	const days = 179 * 24 * time.Hour
	first := now.Add(-days + time.Duration(float64(days)*float64(i)/float64(n)) - time.Duration(rng.Int64N(int64(time.Minute))))
	last := first
	if p.window > 0 {
		last = first.Add(time.Duration(rng.Int64N(int64(p.window))))
	}
	last = minTime(last, now)
	g := engine.DetectionGroup(p.name, engine.KeyOf("fixture-"+strconv.Itoa(i)))
	return engine.Alert{
		Group: g, ID: g.AlertID(), Policy: p.name, Severity: severity, Status: status,
		UserID: fmt.Sprintf("user-%05d", user), UserPrincipalName: UserPrincipalName(user),
		UserDisplayName: fmt.Sprintf("User %d", user), DetectionCount: 1 + rng.IntN(5),
		RiskEventTypes: p.types[:1+rng.IntN(len(p.types))],
		FirstSeen:      first, LastSeen: last,
		CreatedAt: minTime(first.Add(time.Minute), now),
		UpdatedAt: minTime(last.Add(time.Duration(rng.Int64N(int64(2*time.Hour)))), now),
	}
}

// weighted picks an index with the given weights.
func weighted(rng *rand.Rand, weights ...int) int {
	sum := 0
	for _, w := range weights {
		sum += w
	}
	x := rng.IntN(sum)
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func mark(n int, now time.Time) string {
	return fmt.Sprintf("%d %d %s", Version, n, now.UTC().Format(time.RFC3339Nano))
}

// Complete reads the mark Fill leaves: found is false when the store holds
// no complete fixture of n alerts of this Version.
func Complete(ctx context.Context, st store.Store, n int) (f Fixture, found bool, err error) {
	err = st.View(ctx, func(r store.Reader) error {
		c, err := r.Cursor(ctx, cursorName)
		if err != nil || c == "" {
			return err
		}
		fields := strings.Fields(c)
		if len(fields) != 3 || fields[0] != strconv.Itoa(Version) || fields[1] != strconv.Itoa(n) {
			return nil
		}
		now, err := time.Parse(time.RFC3339Nano, fields[2])
		if err != nil {
			return nil
		}
		f, found = Fixture{N: n, Now: now}, true
		return nil
	})
	return f, found, err
}
