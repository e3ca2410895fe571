// Package console is the analyst's web console that `engine serve` serves
// at / beside the API: an overview, the alerts with their detections, the
// users at risk, the remediation audit log, the quarantine and the
// settings in force. It only reads: no page changes the engine. Pages are
// rendered on the server from embedded templates, charts included (SVG),
// and load nothing from another host and no script at all.
package console

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

// Engine is what the console reads; *service.Service is one.
type Engine interface {
	Overview(ctx context.Context, q engine.OverviewQuery) (engine.Overview, error)
	Alerts(ctx context.Context, q engine.AlertQuery) (engine.AlertPage, error)
	Alert(ctx context.Context, id string) (engine.Alert, error)
	AlertDetections(ctx context.Context, alertID string) ([]engine.Detection, error)
	RemediationLog(ctx context.Context, q engine.AuditLogQuery) (engine.AuditLogPage, error)
	UserPage(ctx context.Context, offset, limit int) (engine.UserPage, error)
	UserDetail(ctx context.Context, userID string) (engine.UserDetail, error)
	QuarantinePage(ctx context.Context, offset, limit, previewBytes int) (engine.QuarantinePage, error)
	Policies(ctx context.Context) ([]engine.Policy, error)
	Integration(ctx context.Context) (engine.Integration, error)
}

// Defaults of Config.
const (
	DefaultSessionLifetime = 8 * time.Hour
	DefaultIdleTimeout     = time.Hour
	DefaultMaxSessions     = 1000
)

// Config configures a Console; zero values take the defaults.
type Config struct {
	Engine Engine
	Auth   Authenticator
	Logger hclog.Logger
	// SessionLifetime ends a session that long after sign-in, and
	// IdleTimeout one that long after its last request.
	SessionLifetime time.Duration
	IdleTimeout     time.Duration
	// MaxSessions caps the sessions held at once.
	MaxSessions int
	// Now is the clock (tests move it).
	Now func() time.Time
}

// Console serves the pages.
type Console struct {
	engine   Engine
	auth     Authenticator
	log      hclog.Logger
	sessions *sessions
	csrf     csrfKey
	pages    *pages
	now      func() time.Time
	mux      *http.ServeMux
}

// New builds the console.
func New(cfg Config) (*Console, error) {
	if cfg.Engine == nil || cfg.Auth == nil {
		return nil, errors.New("console: an engine and an authenticator are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = hclog.NewNullLogger()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.SessionLifetime <= 0 {
		cfg.SessionLifetime = DefaultSessionLifetime
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = DefaultMaxSessions
	}
	p, err := loadPages()
	if err != nil {
		return nil, err
	}
	c := &Console{engine: cfg.Engine, auth: cfg.Auth, log: cfg.Logger, csrf: newCSRFKey(), pages: p, now: cfg.Now,
		sessions: newSessions(cfg.Now, cfg.SessionLifetime, cfg.IdleTimeout, cfg.MaxSessions)}
	c.mux = c.routes()
	return c, nil
}

// Routes. Every page is a GET; the only POSTs are signing in and out.
//
//	GET  /                 overview (?policy=P&days=N)
//	GET  /alerts           alerts (?policy ?min_severity ?status ?user ?since ?until ?page)
//	GET  /alerts/{id}      one alert: its detections and the remediation it caused
//	GET  /users            users at risk (?page)
//	GET  /users/{id}       one user: their alerts and audit-log entries
//	GET  /remediations     the remediation audit log (?page)
//	GET  /quarantine       quarantined records (?page)
//	GET  /policies         policies and integration, read-only
//	GET  /signin   POST /signin   POST /signout
//	GET  /static/...       stylesheet and icon
func (c *Console) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("GET /static/", staticFiles())
	mux.HandleFunc("GET /signin", c.signinPage)
	mux.HandleFunc("POST /signin", c.signin)
	mux.HandleFunc("POST /signout", c.signout)
	page := func(pattern string, h pageHandler) { mux.Handle(pattern, c.signedIn(h)) }
	page("GET /{$}", c.overview)
	page("GET /alerts", c.alerts)
	page("GET /alerts/{id}", c.alert)
	page("GET /users", c.users)
	page("GET /users/{id}", c.user)
	page("GET /remediations", c.remediations)
	page("GET /quarantine", c.quarantine)
	page("GET /policies", c.policies)
	page("/", func(w http.ResponseWriter, r *http.Request, v *view) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			c.fail(w, r, v, http.StatusMethodNotAllowed, "This console only reads: pages answer GET.")
			return
		}
		c.fail(w, r, v, http.StatusNotFound, "There is no page at this address.")
	})
	return mux
}

func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	secure(w, r)
	c.mux.ServeHTTP(w, r)
}
