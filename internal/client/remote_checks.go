package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/idp/terraform-provider-idp/internal/api"
	"github.com/idp/terraform-provider-idp/internal/engine"
)

// The checks are asked of the server, so that its rules decide: a
// provider older or newer than the server plans by the rules that will
// apply. The integration is checked without its client secret, which the
// server's rules do not look at and which a plan has no reason to send.

func (c *Remote) ValidateIntegration(ctx context.Context, in engine.Integration) error {
	if in.Source != nil && in.Source.Graph != nil && in.Source.Graph.ClientSecret != "" {
		g := *in.Source.Graph
		g.ClientSecret = ""
		src := *in.Source
		src.Graph = &g
		in.Source = &src
	}
	return c.do(ctx, http.MethodPost, api.PathCheckIntegration, nil, in, nil)
}

func (c *Remote) ValidatePolicy(ctx context.Context, p engine.Policy) (engine.Policy, error) {
	var out engine.Policy
	if err := c.do(ctx, http.MethodPost, api.PathCheckPolicy, nil, p, &out); err != nil {
		return p, err
	}
	return out, nil
}

// TestPolicy sends at most api.MaxPolicyTests tests a request, and
// numbers the results of later requests as the caller's list does.
func (c *Remote) TestPolicy(ctx context.Context, p engine.Policy, tests []engine.PolicyTest) ([]engine.PolicyTestResult, error) {
	out := make([]engine.PolicyTestResult, 0, len(tests))
	for start := 0; start == 0 || start < len(tests); start += api.MaxPolicyTests {
		part := tests[start:min(start+api.MaxPolicyTests, len(tests))]
		var got api.PolicyTestsAnswer
		if err := c.do(ctx, http.MethodPost, api.PathCheckPolicyTests, nil, api.PolicyTestsRequest{Policy: p, Tests: part}, &got); err != nil {
			return nil, err
		}
		for _, r := range got.Results {
			r.Index += start
			out = append(out, r)
		}
	}
	return out, nil
}

func (c *Remote) PolicyDefaults(ctx context.Context, typ, groupBy string) (engine.Policy, error) {
	var p engine.Policy
	query := url.Values{}
	if groupBy != "" {
		query.Set(api.ParamGroupBy, groupBy)
	}
	err := c.do(ctx, http.MethodGet, api.PolicyDefaultsPath(url.PathEscape(typ)), query, nil, &p)
	return p, err
}

func (c *Remote) Version(ctx context.Context) (api.Version, error) {
	var v api.Version
	err := c.do(ctx, http.MethodGet, "/v1/version", nil, nil, &v)
	return v, err
}
