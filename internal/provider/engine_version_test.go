package provider

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/idp/terraform-provider-idp/internal/api"
	"github.com/idp/terraform-provider-idp/internal/engine"
)

func TestEngineVersionDiagnostics(t *testing.T) {
	cfg := clientConfig{Endpoint: "https://idp.example:8443"}
	notFound := fmt.Errorf("no route GET /v1/version: %w", engine.ErrNotFound)
	for _, tc := range []struct {
		name     string
		provider string
		server   api.Version
		err      error
		severity diag.Severity // 0: no diagnostic
		words    []string
	}{
		{"same release", "0.2.0", api.Version{Version: "0.2.0", APIVersion: api.APIVersion}, nil, 0, nil},
		{"a release unknown on one side", "0.2.0", api.Version{APIVersion: api.APIVersion}, nil, 0, nil},
		{"another release of the same API", "0.2.0", api.Version{Version: "0.3.1", APIVersion: api.APIVersion}, nil,
			diag.SeverityWarning, []string{"Engine Server Runs Another Release", "release 0.3.1", "release 0.2.0", "server's rules"}},
		{"another API version", "0.2.0", api.Version{Version: "2.0.0", APIVersion: api.APIVersion + 1}, nil,
			diag.SeverityError, []string{"Incompatible Engine Server", fmt.Sprintf("API version %d (release 2.0.0)", api.APIVersion+1),
				fmt.Sprintf("(release 0.2.0) speaks API version %d", api.APIVersion), "same release", "pin the provider"}},
		{"a server older than the version route", "0.2.0", api.Version{}, notFound,
			diag.SeverityError, []string{"Incompatible Engine Server", "does not report its version", "predates", "Original Error"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			diags := engineVersionDiagnostics(cfg, tc.provider, tc.server, tc.err)
			if tc.severity == 0 {
				if len(diags) != 0 {
					t.Fatalf("diagnostics %v, want none", diags)
				}
				return
			}
			if len(diags) != 1 || diags[0].Severity() != tc.severity {
				t.Fatalf("diagnostics %v, want one of severity %v", diags, tc.severity)
			}
			text := diags[0].Summary() + ": " + diags[0].Detail()
			for _, w := range append(tc.words, "https://idp.example:8443") {
				if !strings.Contains(text, w) {
					t.Errorf("%q lacks %q", text, w)
				}
			}
		})
	}
}

// A server of another API version fails the provider's configuration,
// saying both versions and what to do, before any resource asks it
// anything it would misread.
func TestAccProvider_remoteIncompatibleServer(t *testing.T) {
	e := newTestEnv(t, onlyIn(aboutRemoteMode, modeRemote))
	stub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/v1/integration":
			_ = json.NewEncoder(w).Encode(engine.DefaultIntegration())
		case "/v1/version":
			_ = json.NewEncoder(w).Encode(api.Version{Version: "9.0.0", APIVersion: api.APIVersion + 1})
		default:
			w.WriteHeader(http.StatusNotFound)
			_ = json.NewEncoder(w).Encode(api.ErrorBody{Error: api.ErrorDetail{Code: api.CodeNotFound, Message: "no route"}})
		}
	}))
	t.Cleanup(stub.Close)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			providerBlockFails(fmt.Sprintf("  endpoint = %q\n  token = \"t\"\n", stub.URL),
				"Incompatible Engine Server", fmt.Sprintf("speaks API version %d (release 9.0.0)", api.APIVersion+1),
				fmt.Sprintf("(release test) speaks API version %d", api.APIVersion)),
		},
	})
}
