package graph_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph/graphtest"
)

// token gets a bearer token from the fake's token endpoint, by hand.
func token(t *testing.T, srv *graphtest.Server) string {
	t.Helper()
	form := url.Values{
		"grant_type": {"client_credentials"}, "client_id": {clientID},
		"client_secret": {secret}, "scope": {srv.URL + "/.default"},
	}
	resp, err := http.PostForm(srv.URL+"/"+tenant+"/oauth2/v2.0/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" || tok.ExpiresIn <= 0 {
		t.Fatalf("token endpoint: %v %+v", err, tok)
	}
	return tok.AccessToken
}

func TestGraphtestFilterAndTop(t *testing.T) {
	f := newFixture(t, nil)
	if err := f.srv.AddDetections(detections(10)...); err != nil {
		t.Fatal(err)
	}
	tok := token(t, f.srv)
	for _, tc := range []struct {
		query  string
		status int
		count  int
	}{
		{"$filter=lastUpdatedDateTime%20gt%202025-06-01T00:00:05Z", 200, 4},
		{"$filter=lastUpdatedDateTime%20ge%202025-06-01T00:00:05Z", 200, 5},
		{"$top=3", 200, 3},
		{"", 200, 10},
		{"$top=501", 400, 0},
		{"$filter=riskLevel%20eq%20'high'", 400, 0},
	} {
		req, _ := http.NewRequest(http.MethodGet, f.srv.URL+"/v1.0/identityProtection/riskDetections?"+tc.query, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var page struct {
			Value []json.RawMessage `json:"value"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if resp.StatusCode != tc.status || len(page.Value) != tc.count {
			t.Errorf("%s: status %d with %d records, want %d with %d", tc.query, resp.StatusCode, len(page.Value), tc.status, tc.count)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, f.srv.URL+"/v1.0/identityProtection/riskDetections", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("no token: status %d, want 401", resp.StatusCode)
	}
}

func TestGraphtestKeepsTheLatestVersion(t *testing.T) {
	f := newFixture(t, nil)
	newer, older := detection(1, 10), detection(1, 5)
	newer.RiskState, older.RiskState = "remediated", "atRisk"
	if err := f.srv.AddDetections(newer, older); err != nil {
		t.Fatal(err)
	}
	if f.srv.DetectionCount() != 1 {
		t.Fatalf("%d records stored for one id", f.srv.DetectionCount())
	}
	var states []string
	err := f.client.PullDetections(context.Background(), "", func(records [][]byte, _ string) error {
		for _, r := range records {
			var v struct {
				RiskState string `json:"riskState"`
			}
			if err := json.Unmarshal(r, &v); err != nil {
				t.Fatal(err)
			}
			states = append(states, v.RiskState)
		}
		return nil
	})
	if err != nil || len(states) != 1 || states[0] != "remediated" {
		t.Errorf("got %v %v, want the newer version only", states, err)
	}
	if err := f.srv.AddDetections("not json"); err == nil || !strings.Contains(err.Error(), "JSON") {
		t.Errorf("invalid JSON accepted: %v", err)
	}
}
