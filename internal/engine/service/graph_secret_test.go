package service_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph/graphtest"
	"github.com/idp/terraform-provider-idp/internal/engine/service"
)

// errorTexts is every text an error shows, down its whole Unwrap tree.
func errorTexts(err error) []string {
	var out []string
	for queue := []error{err}; len(queue) > 0; queue = queue[1:] {
		e := queue[0]
		if e == nil {
			continue
		}
		out = append(out, e.Error(), fmt.Sprintf("%+v", e), fmt.Sprintf("%#v", e))
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			queue = append(queue, u.Unwrap())
		case interface{ Unwrap() []error }:
			queue = append(queue, u.Unwrap()...)
		}
	}
	return out
}

// The client secret appears in no log line of a whole sync, in no error it
// returns, and in nothing it records, whatever fails.
func TestGraphSecretNeverLogged(t *testing.T) {
	for _, tc := range []struct {
		name string
		// serverSecret is what the fake expects; with EchoTokenRequests it
		// repeats the token request, secret included, in its errors.
		serverSecret string
		behavior     graphtest.Behavior
		fromEnv      bool
		expireTokens bool  // after every committed page: a 401, a refresh
		wantErr      error // nil: the sync succeeds
	}{
		{name: "refused secret, echoed by the token endpoint", serverSecret: "another-secret",
			behavior: graphtest.Behavior{EchoTokenRequests: true}, wantErr: graph.ErrAuth},
		{name: "token endpoint down, echoing", serverSecret: gSecret,
			behavior: graphtest.Behavior{EchoTokenRequests: true, TokenUnavailableNext: 100}, wantErr: graph.ErrExhausted},
		{name: "secret from the environment, refused", serverSecret: "another-secret", fromEnv: true,
			behavior: graphtest.Behavior{EchoTokenRequests: true}, wantErr: graph.ErrAuth},
		{name: "detections forbidden", serverSecret: gSecret,
			behavior: graphtest.Behavior{DenyPermissions: []string{graph.PermissionRiskDetections}}, wantErr: graph.ErrPermission},
		{name: "write-back forbidden, throttled and failing", serverSecret: gSecret,
			behavior: graphtest.Behavior{EchoTokenRequests: true, DenyPermissions: []string{graph.PermissionRiskyUsers}, ThrottleEvery: 3, UnavailableEvery: 7}},
		{name: "write-back refused for a user, tokens expiring", serverSecret: gSecret,
			behavior: graphtest.Behavior{EchoTokenRequests: true, RejectUserIDs: []string{"u-odd"}}, expireTokens: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := graphtest.NewServer(gTenant, gClient, tc.serverSecret)
			defer srv.Close()
			e := &graphEnv{srv: srv, clock: newClock(), logs: &syncBuffer{}, sleeps: &sleepCounter{}}
			e.load(t, newDataset(t, 300, 40, 31))
			srv.SetBehavior(tc.behavior)
			src := e.source(50, true)
			t.Setenv(service.GraphSecretEnv, "")
			if tc.fromEnv {
				src.Graph.ClientSecret = ""
				t.Setenv(service.GraphSecretEnv, gSecret)
			}
			fs := &faultStore{}
			if tc.expireTokens {
				fs.afterPage = func(int) { srv.ExpireTokens() }
			}
			svc := e.engineOn(t, "", fs, src, nil)
			remediating(t, svc)

			sum, err := svc.SyncDetailed(context.Background())
			switch {
			case tc.wantErr != nil && !errors.Is(err, tc.wantErr):
				t.Fatalf("got %v, want %v", err, tc.wantErr)
			case tc.wantErr == nil && err != nil:
				t.Fatalf("got %v, want success", err)
			case tc.wantErr == nil && (sum.Writeback == nil || sum.Writeback.Failed == 0):
				t.Fatalf("writeback %+v: the write-back did not fail, the test proves less", sum.Writeback)
			}

			texts := append([]string{e.logs.String()}, errorTexts(err)...)
			log, lerr := allRemediations(context.Background(), svc)
			if lerr != nil {
				t.Fatal(lerr)
			}
			for _, r := range log {
				texts = append(texts, r.Outcome)
			}
			q, qerr := allQuarantine(context.Background(), svc)
			if qerr != nil {
				t.Fatal(qerr)
			}
			for _, entry := range q {
				texts = append(texts, entry.Reason, entry.Raw)
			}
			want := `"@message":"graph sync failed"`
			if err == nil {
				want = `"@module":"idp.graph"`
			}
			if !strings.Contains(e.logs.String(), want) {
				t.Errorf("no %s in the logs: they were not captured\n%s", want, e.logs.String())
			}
			if tc.expireTokens && srv.Stats().Unauthorized == 0 {
				t.Error("no token expired: the refresh is not exercised")
			}
			for _, text := range texts {
				for _, form := range secretForms {
					if strings.Contains(text, form) {
						t.Errorf("secret (as %q) in: %.300s", form, text)
					}
				}
			}
		})
	}
}
