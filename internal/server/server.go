// Package server is `engine serve`: the engine's HTTP JSON API under /v1,
// bearer-token authentication, health and readiness probes, Prometheus
// metrics, the poller that pulls the integration's configured source, and
// the read-only web console (internal/console) at /.
// The remote client (internal/client) is its counterpart: every route
// here serves one method of client.Client.
package server

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/idp/terraform-provider-idp/internal/console"
	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/service"
)

// Defaults of Config.
const (
	DefaultMaxBodyBytes    = 256 << 20
	DefaultShutdownTimeout = 30 * time.Second
)

// Timeouts of the HTTP server. Routes that ingest (pushes, syncs) extend
// their own deadlines to longRequest.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 2 * time.Minute
	writeTimeout      = 5 * time.Minute
	idleTimeout       = 2 * time.Minute
	longRequest       = 30 * time.Minute
	maxHeaderBytes    = 64 << 10
)

// Config configures a Server; zero values take the defaults.
type Config struct {
	Service *service.Service
	Tokens  *Tokens
	// Logger is the server's logger; it names children "http" and "poll".
	Logger hclog.Logger
	// MaxBodyBytes caps a pushed batch (default 256 MiB); a larger one is
	// refused with 413 and nothing of it is ingested.
	MaxBodyBytes int64
	// PollInterval is how often the configured source is pulled; 0 never.
	PollInterval time.Duration
	// ShutdownTimeout is how long Serve lets in-flight requests finish
	// after its context ends before it cancels them (default 30s).
	ShutdownTimeout time.Duration
	// TempDir holds pushed bodies while they arrive (default os.TempDir).
	TempDir string
	// PublicMetrics serves /metrics without a token; otherwise it needs
	// one, of any scope.
	PublicMetrics bool
	// Version is the server's release version, reported by GET
	// /v1/version so that a client can explain a mismatch ("" unknown).
	Version string
	// ConsoleSignIn checks the tokens the console's sign-in form takes
	// (default: the API's tokens).
	ConsoleSignIn console.Authenticator
}

// ErrUnrestrictedFiles: the engine given to New may read any file, as an
// embedded engine does; a server's must be restricted to source roots.
var ErrUnrestrictedFiles = errors.New("server: the engine's file sources are not restricted to source roots (service.Config.FileSources)")

// Server serves the API over one engine.
type Server struct {
	cfg     Config
	svc     *service.Service
	tokens  *Tokens
	log     hclog.Logger
	httpLog hclog.Logger
	metrics *metrics
	console *console.Console
	handler http.Handler

	// draining is set once shutdown begins: /readyz then answers 503.
	draining atomic.Bool
	// probing is set while a readiness check waits for the store.
	probing atomic.Bool
	// work is cancelled only when draining runs out of time; in-flight
	// ingests run under it rather than under their request's context, so
	// a client that goes away does not abort a batch half-way.
	work     context.Context
	stopWork context.CancelFunc
	inflight sync.WaitGroup
}

// New builds a server; Serve runs it, Handler exposes it for tests.
func New(cfg Config) (*Server, error) {
	if cfg.Service == nil {
		return nil, errors.New("server: no engine")
	}
	if cfg.Tokens == nil {
		return nil, ErrNoTokens
	}
	if !cfg.Service.FileSources().Restricted {
		// A caller acts with no privileges of its own: the engine behind
		// the API reads files only under its operator's source roots.
		return nil, ErrUnrestrictedFiles
	}
	if cfg.Logger == nil {
		cfg.Logger = hclog.NewNullLogger()
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = DefaultShutdownTimeout
	}
	s := &Server{cfg: cfg, svc: cfg.Service, tokens: cfg.Tokens, log: cfg.Logger, httpLog: cfg.Logger.Named("http"), metrics: newMetrics()}
	s.work, s.stopWork = context.WithCancel(context.Background())
	signIn := cfg.ConsoleSignIn
	if signIn == nil {
		signIn = apiTokenSignIn{cfg.Tokens}
	}
	var err error
	if s.console, err = console.New(console.Config{Engine: cfg.Service, Auth: signIn, Logger: cfg.Logger.Named("console")}); err != nil {
		return nil, err
	}
	s.handler = s.routes()
	return s, nil
}

// Handler is the whole server: the API under /v1 behind the token check,
// the probes and the metrics beside it, and the console at /.
func (s *Server) Handler() http.Handler { return s.handler }

// Serve answers on ln (with TLS when tlsConfig is set) and pulls the
// configured source every PollInterval until ctx ends. It then drains,
// and returns within ShutdownTimeout whatever happens: /readyz turns 503,
// the listener closes, in-flight requests finish (a push commits or rolls
// back its current batch) until the timeout less a rollback grace (a
// fifth of it, 5 s at most), then whatever still runs is cancelled and
// rolls back. Work that ignores its cancellation is abandoned at the
// timeout, and Serve returns ErrShutdownTimeout: the process may exit, as
// after a crash, which loses nothing committed and doubles nothing
// (ARCHITECTURE.md, contract §8).
func (s *Server) Serve(ctx context.Context, ln net.Listener, tlsConfig *tls.Config) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		BaseContext:       func(net.Listener) context.Context { return s.work },
		ErrorLog:          s.httpLog.StandardLogger(&hclog.StandardLoggerOptions{ForceLevel: hclog.Debug}),
	}
	if tlsConfig != nil {
		ln = tls.NewListener(ln, tlsConfig)
	}
	pollCtx, stopPolling := context.WithCancel(ctx)
	defer stopPolling()
	polled := make(chan struct{})
	go func() {
		defer close(polled)
		s.poll(pollCtx)
	}()

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	s.log.Info("serving", "address", ln.Addr().String(), "tls", tlsConfig != nil, "poll_interval", s.cfg.PollInterval)

	select {
	case err := <-served:
		stopPolling()
		s.stopWork()
		<-polled
		return err
	case <-ctx.Done():
	}
	s.draining.Store(true)
	s.log.Info("draining: finishing in-flight requests", "timeout", s.cfg.ShutdownTimeout)
	stopPolling()
	deadline := time.Now().Add(s.cfg.ShutdownTimeout)
	grace := min(s.cfg.ShutdownTimeout/5, maxRollbackGrace)
	// Whatever still runs at the timeout less the grace (a request or the
	// poller's sync) is cancelled: its current batch rolls back, nothing
	// is half-written.
	hardStop := time.AfterFunc(s.cfg.ShutdownTimeout-grace, func() {
		s.log.Warn("work still running at the shutdown timeout: cancelling it (its current batch rolls back)")
		s.stopWork()
	})
	defer hardStop.Stop()
	drainCtx, cancel := context.WithDeadline(context.Background(), deadline.Add(-grace))
	defer cancel()
	if err := srv.Shutdown(drainCtx); err != nil {
		_ = srv.Close()
	}
	finished := make(chan struct{})
	go func() {
		s.inflight.Wait()
		<-polled
		close(finished)
	}()
	abandon := time.NewTimer(time.Until(deadline))
	defer abandon.Stop()
	select {
	case <-finished:
	case <-abandon.C:
		_ = srv.Close()
		s.stopWork()
		s.log.Error("work still running after its cancellation, at the shutdown timeout: abandoning it")
		return ErrShutdownTimeout
	}
	s.stopWork()
	if e := <-served; e != nil && !errors.Is(e, http.ErrServerClosed) {
		return e
	}
	s.log.Info("stopped")
	return nil
}

// maxRollbackGrace bounds the time cancelled work gets to roll back before
// the shutdown timeout.
const maxRollbackGrace = 5 * time.Second

// ErrShutdownTimeout: some work ignored its cancellation until the
// shutdown timeout and was abandoned.
var ErrShutdownTimeout = errors.New("shutdown timeout: work still running was abandoned")

// poll syncs the configured source now and then every PollInterval.
func (s *Server) poll(ctx context.Context) {
	if s.cfg.PollInterval <= 0 {
		return
	}
	log := s.log.Named("poll")
	t := time.NewTicker(s.cfg.PollInterval)
	defer t.Stop()
	for {
		// The sync itself runs under the work context: once started, it
		// finishes its batch even when shutdown begins.
		sum, err := s.sync(s.work, "poll")
		switch {
		case errors.Is(err, engine.ErrDisabled):
			log.Debug("the integration is disabled: nothing pulled")
		case err != nil:
			log.Error("pulling the configured source failed", "error", err)
		case sum.Ingest.Read > 0:
			log.Info("pulled the configured source", "read", sum.Ingest.Read, "accepted", sum.Ingest.Accepted, "alerts_created", sum.Ingest.AlertsCreated)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// sync runs one Sync; the engine makes syncs take turns, and reads never
// wait for them.
func (s *Server) sync(ctx context.Context, origin string) (engine.SyncSummary, error) {
	start := time.Now()
	sum, err := s.svc.SyncDetailed(ctx)
	s.metrics.ingested("source", origin, sum.Ingest, time.Since(start), err)
	if wb := sum.Writeback; wb != nil && wb.Confirmed+wb.Failed > 0 {
		s.log.Named("poll").Info("wrote remediated users back to Microsoft Graph", "confirmed", wb.Confirmed, "failed", wb.Failed, "deferred", wb.Deferred)
	}
	return sum, err
}

func newRequestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// fail answers an error. Internal errors are logged with the request id,
// which the answer carries instead of the details.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, code, message, field := classify(err)
	if status == http.StatusInternalServerError {
		id := w.Header().Get("X-Request-Id")
		s.httpLog.Error("request failed", "request_id", id, "method", r.Method, "path", r.URL.Path, "error", err)
		message = fmt.Sprintf("internal error (request %s): see the server log", id)
	}
	writeError(w, status, code, message, field)
}
