package console_test

import (
	"context"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

// fakeEngine answers with nothing, or with the integration it holds: for
// tests of the console's own behaviour (sessions, headers), where a real
// engine would only add setup.
type fakeEngine struct{ integration engine.Integration }

func (fakeEngine) Overview(context.Context, engine.OverviewQuery) (engine.Overview, error) {
	return engine.Overview{}, nil
}
func (fakeEngine) Alerts(context.Context, engine.AlertQuery) (engine.AlertPage, error) {
	return engine.AlertPage{}, nil
}
func (fakeEngine) Alert(context.Context, string) (engine.Alert, error) {
	return engine.Alert{}, engine.ErrNotFound
}
func (fakeEngine) AlertDetections(context.Context, string) ([]engine.Detection, error) {
	return nil, engine.ErrNotFound
}
func (fakeEngine) RemediationLog(context.Context, engine.AuditLogQuery) (engine.AuditLogPage, error) {
	return engine.AuditLogPage{}, nil
}
func (fakeEngine) UserPage(context.Context, int, int) (engine.UserPage, error) {
	return engine.UserPage{}, nil
}
func (fakeEngine) UserDetail(context.Context, string) (engine.UserDetail, error) {
	return engine.UserDetail{}, engine.ErrNotFound
}
func (fakeEngine) QuarantinePage(context.Context, int, int, int) (engine.QuarantinePage, error) {
	return engine.QuarantinePage{}, nil
}
func (fakeEngine) Policies(context.Context) ([]engine.Policy, error) { return nil, nil }
func (f fakeEngine) Integration(context.Context) (engine.Integration, error) {
	return f.integration, nil
}

func newTestServer(t *testing.T, h http.Handler) string {
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts.URL
}

type tlsServer struct {
	URL  string
	pool *x509.CertPool
}

func newTLSTestServer(t *testing.T, h http.Handler) tlsServer {
	ts := httptest.NewTLSServer(h)
	t.Cleanup(ts.Close)
	pool := x509.NewCertPool()
	pool.AddCert(ts.Certificate())
	return tlsServer{URL: ts.URL, pool: pool}
}
