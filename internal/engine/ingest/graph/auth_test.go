package graph_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph/graphtest"
)

func TestExpiredTokenIsRefreshedOnce(t *testing.T) {
	f := newFixture(t, func(c *graph.Config) { c.PageSize = 10 })
	if err := f.srv.AddDetections(detections(50)...); err != nil {
		t.Fatal(err)
	}
	var p pull
	err := f.client.PullDetections(context.Background(), "", func(records [][]byte, next string) error {
		p.pages++
		for _, r := range records {
			p.ids = append(p.ids, idOf(t, r))
		}
		if p.pages == 2 {
			f.srv.ExpireTokens() // early: the client still believes in its token
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sameSet(t, p.ids, ids(50))
	st := f.srv.Stats()
	if st.Unauthorized != 1 || st.TokensIssued != 2 {
		t.Errorf("%d 401s and %d tokens issued, want 1 and 2", st.Unauthorized, st.TokensIssued)
	}
	if len(f.sleeps.all()) != 0 {
		t.Error("a 401 was retried after a backoff; it should retry at once with a new token")
	}
}

// A token Graph refuses even when fresh: one refresh, then ErrAuth.
func TestRefusedFreshTokenStops(t *testing.T) {
	f := newFixture(t, nil)
	// Tokens that expire at once; expires_in 0 tells the client nothing.
	f.srv.SetBehavior(graphtest.Behavior{TokenLifetime: time.Nanosecond})
	err := f.client.PullDetections(context.Background(), "", func([][]byte, string) error { return nil })
	if !errors.Is(err, graph.ErrAuth) || !strings.Contains(err.Error(), "InvalidAuthenticationToken") {
		t.Fatalf("got %v, want ErrAuth with Graph's code", err)
	}
	st := f.srv.Stats()
	if st.GraphRequests != 2 || st.TokensIssued != 2 {
		t.Errorf("%d requests and %d tokens, want 2 and 2 (one refresh)", st.GraphRequests, st.TokensIssued)
	}
}

func TestBadCredentialsStopAtOnce(t *testing.T) {
	for _, tc := range []struct {
		name    string
		tweak   func(*graph.Config)
		mention string
	}{
		{"wrong secret", func(c *graph.Config) { c.ClientSecret = "not-the-secret" }, "invalid_client"},
		{"wrong client", func(c *graph.Config) { c.ClientID = "someone-else" }, "unauthorized_client"},
		{"wrong tenant", func(c *graph.Config) { c.TenantID = "fabrikam.example" }, "AADSTS90002"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.tweak)
			err := f.client.PullDetections(context.Background(), "", func([][]byte, string) error { return nil })
			if !errors.Is(err, graph.ErrAuth) || !strings.Contains(err.Error(), tc.mention) {
				t.Fatalf("got %v, want ErrAuth mentioning %s", err, tc.mention)
			}
			if st := f.srv.Stats(); st.TokenRequests != 1 || st.GraphRequests != 0 {
				t.Errorf("%d token requests and %d Graph requests, want 1 and 0", st.TokenRequests, st.GraphRequests)
			}
		})
	}
}

func TestForbiddenNamesThePermission(t *testing.T) {
	for _, tc := range []struct {
		permission string
		call       func(c *graph.Client) error
	}{
		{graph.PermissionRiskDetections, func(c *graph.Client) error {
			return c.PullDetections(context.Background(), "", func([][]byte, string) error { return nil })
		}},
		{graph.PermissionManagedDevices, func(c *graph.Client) error {
			return c.PullDevices(context.Background(), func([][]byte) error { return nil })
		}},
		{graph.PermissionRiskyUsers, func(c *graph.Client) error {
			return c.ConfirmCompromised(context.Background(), []string{"u1"})[0].Err
		}},
	} {
		t.Run(tc.permission, func(t *testing.T) {
			f := newFixture(t, nil)
			f.srv.SetBehavior(graphtest.Behavior{DenyPermissions: []string{tc.permission}})
			err := tc.call(f.client)
			if !errors.Is(err, graph.ErrPermission) || !strings.Contains(err.Error(), tc.permission) {
				t.Fatalf("got %v, want ErrPermission naming %s", err, tc.permission)
			}
			var ae *graph.APIError
			if !errors.As(err, &ae) || ae.Code != "Authorization_RequestDenied" {
				t.Errorf("got %#v, want Graph's error code kept", ae)
			}
			if n := f.srv.Stats().GraphRequests; n != 1 {
				t.Errorf("%d requests, want 1: a 403 is not retried", n)
			}
		})
	}
}

func TestOtherClientErrorsCarryGraphsMessage(t *testing.T) {
	f := newFixture(t, func(c *graph.Config) { c.GraphURL += "/no-such-prefix" })
	err := f.client.PullDetections(context.Background(), "", func([][]byte, string) error { return nil })
	var ae *graph.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 404 || ae.Code != "Request_ResourceNotFound" ||
		!strings.Contains(err.Error(), "Resource not found") {
		t.Fatalf("got %v, want a 404 with Graph's code and message", err)
	}
	if errors.Is(err, graph.ErrExhausted) || len(f.sleeps.all()) != 0 {
		t.Errorf("a 404 was retried: %v", err)
	}
}
