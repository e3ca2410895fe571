package graph_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph/graphtest"
)

func TestThrottledAndFailingPullsConverge(t *testing.T) {
	const minB, maxB = 100 * time.Millisecond, 800 * time.Millisecond
	for _, tc := range []struct {
		name     string
		behavior graphtest.Behavior
		// check the recorded sleeps against the server's fault counts
		check func(t *testing.T, sleeps []time.Duration, st graphtest.Stats)
	}{
		{
			name:     "429 without Retry-After: jittered exponential backoff",
			behavior: graphtest.Behavior{ThrottleEvery: 2},
			check: func(t *testing.T, sleeps []time.Duration, st graphtest.Stats) {
				if st.Throttled == 0 || len(sleeps) != st.Throttled {
					t.Fatalf("%d sleeps for %d throttled requests", len(sleeps), st.Throttled)
				}
				for _, d := range sleeps {
					// every 2nd request: each throttle is the first retry's
					if d < 0 || d >= minB {
						t.Errorf("first-retry backoff %v outside [0, %v)", d, minB)
					}
				}
			},
		},
		{
			name:     "429 with Retry-After in seconds",
			behavior: graphtest.Behavior{ThrottleEvery: 3, RetryAfter: 7 * time.Second},
			check:    everySleepIs(7 * time.Second),
		},
		{
			name:     "429 with Retry-After as an HTTP date",
			behavior: graphtest.Behavior{ThrottleEvery: 3, RetryAfter: 9 * time.Second, RetryAfterDate: true},
			check:    everySleepIs(9 * time.Second),
		},
		{
			name:     "a run of 503s: growing backoff",
			behavior: graphtest.Behavior{UnavailableNext: 4},
			check: func(t *testing.T, sleeps []time.Duration, st graphtest.Stats) {
				if st.Unavailable != 4 || len(sleeps) != 4 {
					t.Fatalf("%d sleeps for %d 503s, want 4", len(sleeps), st.Unavailable)
				}
				for i, d := range sleeps {
					ceil := min(maxB, minB<<i)
					if d < 0 || d >= ceil {
						t.Errorf("retry %d slept %v, outside [0, %v)", i+1, d, ceil)
					}
				}
			},
		},
		{
			name:     "503 every third request",
			behavior: graphtest.Behavior{UnavailableEvery: 3},
			check: func(t *testing.T, sleeps []time.Duration, st graphtest.Stats) {
				if st.Unavailable == 0 || len(sleeps) != st.Unavailable {
					t.Fatalf("%d sleeps for %d 503s", len(sleeps), st.Unavailable)
				}
			},
		},
		{
			name:     "token endpoint unavailable",
			behavior: graphtest.Behavior{TokenUnavailableNext: 2},
			check: func(t *testing.T, sleeps []time.Duration, st graphtest.Stats) {
				if st.TokenRequests != 3 || len(sleeps) != 2 {
					t.Fatalf("%d token requests and %d sleeps, want 3 and 2", st.TokenRequests, len(sleeps))
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, func(c *graph.Config) {
				c.PageSize = 20
				c.MinBackoff, c.MaxBackoff = minB, maxB
				c.Now = func() time.Time { return base } // Retry-After dates
			})
			f.srv.SetClock(func() time.Time { return base })
			f.srv.SetBehavior(tc.behavior)
			if err := f.srv.AddDetections(detections(200)...); err != nil {
				t.Fatal(err)
			}
			p := pullAll(t, f.client, "")
			sameSet(t, p.ids, ids(200))
			tc.check(t, f.sleeps.all(), f.srv.Stats())
		})
	}
}

// everySleepIs checks that each 429 was followed by a sleep of d, as its
// Retry-After said.
func everySleepIs(d time.Duration) func(*testing.T, []time.Duration, graphtest.Stats) {
	return func(t *testing.T, sleeps []time.Duration, st graphtest.Stats) {
		if st.Throttled == 0 || len(sleeps) != st.Throttled {
			t.Fatalf("%d sleeps for %d throttled requests", len(sleeps), st.Throttled)
		}
		for _, got := range sleeps {
			if got != d {
				t.Errorf("slept %v, Retry-After said %v", got, d)
			}
		}
	}
}

func TestAttemptsAreBounded(t *testing.T) {
	for _, tc := range []struct {
		name     string
		behavior graphtest.Behavior
		attempts int
		mention  string
	}{
		{name: "permanent 503", behavior: graphtest.Behavior{UnavailableEvery: 1}, attempts: 4, mention: "503"},
		{name: "permanent 429", behavior: graphtest.Behavior{ThrottleEvery: 1}, attempts: 3, mention: "429"},
		{name: "single attempt", behavior: graphtest.Behavior{UnavailableEvery: 1}, attempts: 1, mention: "503"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, func(c *graph.Config) { c.MaxAttempts = tc.attempts })
			f.srv.SetBehavior(tc.behavior)
			err := f.client.PullDetections(context.Background(), "", func([][]byte, string) error {
				t.Error("fn called on a failed pull")
				return nil
			})
			if !errors.Is(err, graph.ErrExhausted) || !strings.Contains(err.Error(), tc.mention) {
				t.Fatalf("got %v, want ErrExhausted mentioning %s", err, tc.mention)
			}
			if got := f.srv.Stats().GraphRequests; got != tc.attempts {
				t.Errorf("%d requests sent, want %d", got, tc.attempts)
			}
			if got := len(f.sleeps.all()); got != tc.attempts-1 {
				t.Errorf("%d sleeps, want %d (none after the last attempt)", got, tc.attempts-1)
			}
		})
	}
}

// flaky fails the first n requests to Graph (not the token endpoint) as a
// dropped connection would.
type flaky struct {
	n    atomic.Int32
	next http.RoundTripper
}

func (f *flaky) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasPrefix(r.URL.Path, "/v1.0/") && f.n.Add(-1) >= 0 {
		return nil, errors.New("connection reset by peer")
	}
	return f.next.RoundTrip(r)
}

func TestConnectionErrorsAreRetried(t *testing.T) {
	tr := &flaky{next: http.DefaultTransport}
	tr.n.Store(3)
	f := newFixture(t, func(c *graph.Config) { c.HTTPClient = &http.Client{Transport: tr} })
	if err := f.srv.AddDetections(detections(10)...); err != nil {
		t.Fatal(err)
	}
	sameSet(t, pullAll(t, f.client, "").ids, ids(10))
	if got := len(f.sleeps.all()); got != 3 {
		t.Errorf("%d retries, want 3", got)
	}
}

// One test with the real clock: small backoffs and a real Retry-After.
func TestRetriesReallyWait(t *testing.T) {
	srv := graphtest.NewServer(tenant, clientID, secret)
	defer srv.Close()
	if err := srv.AddDetections(detections(30)...); err != nil {
		t.Fatal(err)
	}
	c, err := graph.New(graph.Config{
		TenantID: tenant, ClientID: clientID, ClientSecret: secret,
		AuthorityURL: srv.URL, GraphURL: srv.URL, AllowHosts: []string{srv.Host()}, PageSize: 10,
		RequestsPerSecond: -1, MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv.SetBehavior(graphtest.Behavior{UnavailableNext: 3})
	sameSet(t, pullAll(t, c, "").ids, ids(30))

	srv.SetBehavior(graphtest.Behavior{ThrottleEvery: 4, RetryAfter: time.Second})
	start := time.Now()
	sameSet(t, pullAll(t, c, "").ids, ids(30))
	if waited := time.Since(start); waited < time.Second {
		t.Errorf("pull took %v despite a Retry-After of 1s", waited)
	}
}

func TestCancelStopsTheBackoff(t *testing.T) {
	srv := graphtest.NewServer(tenant, clientID, secret)
	defer srv.Close()
	srv.SetBehavior(graphtest.Behavior{ThrottleEvery: 1, RetryAfter: time.Minute})
	c, err := graph.New(graph.Config{
		TenantID: tenant, ClientID: clientID, ClientSecret: secret,
		AuthorityURL: srv.URL, GraphURL: srv.URL, AllowHosts: []string{srv.Host()}, RequestsPerSecond: -1,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = c.PullDetections(ctx, "", func([][]byte, string) error { return nil })
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Errorf("got %v after %v, want the context's deadline at once", err, time.Since(start))
	}
}

// The client-side limit spaces requests; a server enforcing the real
// per-second limit then throttles little or nothing.
func TestClientRateLimit(t *testing.T) {
	f := newFixture(t, func(c *graph.Config) { c.RequestsPerSecond = 20; c.PageSize = 10 })
	f.srv.SetBehavior(graphtest.Behavior{RequestsPerSecond: 20})
	if err := f.srv.AddDetections(detections(100)...); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	sameSet(t, pullAll(t, f.client, "").ids, ids(100))
	// 11 requests (10 pages and a trailing empty one) at 20/s: >= 0.5s.
	if took := time.Since(start); took < 450*time.Millisecond {
		t.Errorf("11 requests at 20/s took %v", took)
	}
}

// Without the client-side limit, the server's per-second limit throttles
// the pull, which still converges through backoff (real, short sleeps).
func TestServerRateLimitWithoutClientLimit(t *testing.T) {
	f := newFixture(t, func(c *graph.Config) {
		c.PageSize = 10
		c.Sleep = nil
		c.MinBackoff, c.MaxBackoff = 100*time.Millisecond, time.Second
		c.MaxAttempts = 20
	})
	f.srv.SetBehavior(graphtest.Behavior{RequestsPerSecond: 4})
	if err := f.srv.AddDetections(detections(80)...); err != nil {
		t.Fatal(err)
	}
	sameSet(t, pullAll(t, f.client, "").ids, ids(80))
	if f.srv.Stats().Throttled == 0 {
		t.Error("9 unpaced requests were never throttled at 4/s")
	}
}

func TestDeadlineShorterThanTheRateLimit(t *testing.T) {
	f := newFixture(t, func(c *graph.Config) { c.RequestsPerSecond = 0.1; c.PageSize = 1 })
	if err := f.srv.AddDetections(detections(3)...); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	pages := 0
	err := f.client.PullDetections(ctx, "", func([][]byte, string) error { pages++; return nil })
	if !errors.Is(err, context.DeadlineExceeded) || pages != 1 {
		t.Errorf("got %v after %d pages, want DeadlineExceeded after 1", err, pages)
	}
}
