package graph_test

import (
	"context"
	"sync"
	"testing"

	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph/graphtest"
)

// One client shared by pulls and write-back at once, with the token
// expiring under them; run with -race.
func TestClientIsSafeForConcurrentUse(t *testing.T) {
	f := newFixture(t, func(c *graph.Config) { c.PageSize = 15 })
	f.srv.SetBehavior(graphtest.Behavior{ThrottleEvery: 7, Unordered: true, DevicePageSize: 4})
	if err := f.srv.AddDetections(detections(120)...); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if err := f.srv.AddDevices(map[string]string{"id": users(20)[i], "userId": "u"}); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	pulls := make([]pull, 3)
	errs := make([]error, 5)
	for i := range pulls {
		wg.Go(func() {
			errs[i] = f.client.PullDetections(context.Background(), "", func(records [][]byte, _ string) error {
				for _, r := range records {
					pulls[i].ids = append(pulls[i].ids, idOf(t, r))
				}
				if i == 0 && len(pulls[0].ids) <= 15 {
					f.srv.ExpireTokens() // once, under everyone's feet
				}
				return nil
			})
		})
	}
	devices := 0
	wg.Go(func() {
		errs[3] = f.client.PullDevices(context.Background(), func(records [][]byte) error {
			devices += len(records)
			return nil
		})
	})
	wg.Go(func() {
		for _, r := range f.client.ConfirmCompromised(context.Background(), users(100)) {
			if r.Err != nil {
				errs[4] = r.Err
			}
		}
	})
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("call %d: %v", i, err)
		}
	}
	for _, p := range pulls {
		sameSet(t, p.ids, ids(120))
	}
	if st := f.srv.Stats(); st.Unauthorized == 0 || st.Throttled == 0 {
		t.Errorf("%d 401s and %d 429s: the refresh and retry paths went unexercised", st.Unauthorized, st.Throttled)
	}
	if devices != 20 || len(f.srv.Compromised()) != 100 {
		t.Errorf("%d devices and %d users confirmed, want 20 and 100", devices, len(f.srv.Compromised()))
	}
}
