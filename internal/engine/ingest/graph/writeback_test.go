package graph_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph/graphtest"
)

func users(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("user-%04d", i)
	}
	return out
}

func TestConfirmCompromised(t *testing.T) {
	for _, tc := range []struct {
		name     string
		ids      []string
		behavior graphtest.Behavior
		// per result: attempts, and whether it fails
		attempts []int
		failed   []bool
		// the ids Graph must have confirmed, each once
		confirmed []string
	}{
		{
			name:     "one batch",
			ids:      users(3),
			attempts: []int{1}, failed: []bool{false},
			confirmed: users(3),
		},
		{
			name:     "exactly 60",
			ids:      users(60),
			attempts: []int{1}, failed: []bool{false},
			confirmed: users(60),
		},
		{
			name:     "150 ids, repeats dropped",
			ids:      append(users(150), users(20)...),
			attempts: []int{1, 1, 1}, failed: []bool{false, false, false},
			confirmed: users(150),
		},
		{
			name:     "a 503 is retried without sending an id twice",
			ids:      users(61),
			behavior: graphtest.Behavior{UnavailableNext: 1},
			attempts: []int{2, 1}, failed: []bool{false, false},
			confirmed: users(61),
		},
		{
			name:     "a refused batch does not stop the others",
			ids:      users(130),
			behavior: graphtest.Behavior{RejectUserIDs: []string{"user-0070"}},
			attempts: []int{1, 1, 1}, failed: []bool{false, true, false},
			confirmed: append(users(60), users(130)[120:]...),
		},
		{
			name:     "a 403 stops the remaining batches unsent",
			ids:      users(130),
			behavior: graphtest.Behavior{DenyPermissions: []string{graph.PermissionRiskyUsers}},
			attempts: []int{1, 0, 0}, failed: []bool{true, true, true},
		},
		{
			name:     "blank ids are reported, not sent",
			ids:      []string{"", "user-0001", " "},
			attempts: []int{0, 1}, failed: []bool{true, false},
			confirmed: []string{"user-0001"},
		},
		{
			name: "nothing to send",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, nil)
			f.srv.SetBehavior(tc.behavior)
			results := f.client.ConfirmCompromised(context.Background(), tc.ids)
			if len(results) != len(tc.attempts) {
				t.Fatalf("%d results, want %d: %+v", len(results), len(tc.attempts), results)
			}
			sent := 0
			for i, r := range results {
				if r.Attempts != tc.attempts[i] || (r.Err != nil) != tc.failed[i] {
					t.Errorf("batch %d: %d attempts, err %v; want %d attempts, failed %v",
						i, r.Attempts, r.Err, tc.attempts[i], tc.failed[i])
				}
				if len(r.UserIDs) > graph.MaxConfirmBatch {
					t.Errorf("batch %d holds %d ids", i, len(r.UserIDs))
				}
				sent += len(r.UserIDs)
			}
			for _, body := range f.srv.ConfirmCompromisedCalls() {
				if len(body) > graph.MaxConfirmBatch {
					t.Errorf("Graph received a body of %d ids", len(body))
				}
			}
			got := f.srv.Compromised()
			slices.Sort(got)
			want := slices.Clone(tc.confirmed)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("Graph confirmed %d ids %v..., want %d", len(got), head(got), len(want))
			}
		})
	}
}

func head(s []string) []string { return s[:min(3, len(s))] }

func TestConfirmCompromisedReportsGraphsMessage(t *testing.T) {
	f := newFixture(t, nil)
	f.srv.SetBehavior(graphtest.Behavior{RejectUserIDs: []string{"ghost"}})
	r := f.client.ConfirmCompromised(context.Background(), []string{"ghost"})
	var ae *graph.APIError
	if len(r) != 1 || !errors.As(r[0].Err, &ae) || ae.StatusCode != 404 || !strings.Contains(r[0].Err.Error(), "User 'ghost' was not found") {
		t.Fatalf("got %+v, want the 404 with Graph's message", r)
	}
}

// graphtest enforces Graph's limit of 60 ids, so the batching above is
// checked against a server that would refuse a bigger batch.
func TestGraphtestRefusesMoreThan60Ids(t *testing.T) {
	f := newFixture(t, nil)
	body := `{"userIds":["` + strings.Join(users(61), `","`) + `"]}`
	tok := token(t, f.srv)
	req, _ := http.NewRequest(http.MethodPost, f.srv.URL+"/v1.0/identityProtection/riskyUsers/confirmCompromised", bytes.NewBufferString(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || len(f.srv.Compromised()) != 0 {
		t.Errorf("61 ids: status %d, confirmed %d; want 400 and none", resp.StatusCode, len(f.srv.Compromised()))
	}
}
