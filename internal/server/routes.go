package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/idp/terraform-provider-idp/internal/api"
	"github.com/idp/terraform-provider-idp/internal/engine"
)

// Routes of the API. Each /v1 route serves one client.Client method.
//
//	GET    /v1/integration        Integration
//	POST   /v1/integration        CreateIntegration (409 conflict when it is managed already)
//	PUT    /v1/integration        SetIntegration
//	DELETE /v1/integration        ResetIntegration
//	GET    /v1/policies           Policies
//	POST   /v1/policies           CreatePolicy (409 conflict when the name is taken or the built-in managed)
//	GET    /v1/policies/{id}      Policy
//	PUT    /v1/policies/{id}      PutPolicy
//	DELETE /v1/policies/{id}      DeletePolicy
//	GET    /v1/alerts             Alerts (from the store, at once: never syncs)
//	GET    /v1/status             Status
//	POST   /v1/sync               Sync
//	POST   /v1/detections         IngestDetections (NDJSON or Graph pages; ?source=NAME)
//	POST   /v1/devices            IngestDevices
//	GET    /v1/users              Users (?limit=&offset=, at most api.MaxPage a page)
//	GET    /v1/remediations       Remediations (?limit=&offset=, at most api.MaxPage a page)
//	GET    /v1/quarantine         Quarantine (?after=&limit=, at most api.MaxQuarantinePage a page, api.MaxListedRawBytes of each text)
//	GET    /v1/quarantine/{id}/raw QuarantineText (the whole text, streamed)
//	GET    /v1/version            Version (the server's release and API versions)
//	POST   /v1/checks/integration ValidateIntegration (stores nothing; a read token may send it)
//	POST   /v1/checks/policy      ValidatePolicy (stores nothing; a read token may send it)
//	POST   /v1/checks/policy-tests TestPolicy (at most api.MaxPolicyTests a request; a read token may send it)
//	GET    /v1/policy-types/{type}/defaults PolicyDefaults (?group_by=)
//	GET    /healthz  /readyz              (no token)
//	GET    /metrics                       (a token of any scope, unless Config.PublicMetrics)
//
//	       /  (everything else)   the console: its own sign-in, then pages
//
// A read token may send every GET and the checks; everything else needs
// an admin token (auth.go).
func (s *Server) routes() http.Handler {
	v1 := http.NewServeMux()
	v1.HandleFunc("GET /v1/integration", s.getIntegration)
	v1.HandleFunc("POST /v1/integration", s.writeIntegration(engine.ClaimNew, http.StatusCreated))
	v1.HandleFunc("PUT /v1/integration", s.writeIntegration(engine.ClaimHold, http.StatusOK))
	v1.HandleFunc("DELETE /v1/integration", s.resetIntegration)
	v1.HandleFunc("GET /v1/policies", s.listPolicies)
	v1.HandleFunc("POST /v1/policies", s.createPolicy)
	v1.HandleFunc("GET /v1/policies/{id}", s.getPolicy)
	v1.HandleFunc("PUT /v1/policies/{id}", s.putPolicy)
	// A policy without an ID (a custom one without a name) is the engine's
	// to refuse, with the same error as in-process.
	v1.HandleFunc("PUT /v1/policies/{$}", s.putPolicy)
	v1.HandleFunc("DELETE /v1/policies/{id}", s.deletePolicy)
	v1.HandleFunc("GET /v1/alerts", s.alerts)
	v1.HandleFunc("GET /v1/status", s.status)
	v1.HandleFunc("POST /v1/sync", s.syncNow)
	v1.HandleFunc("POST /v1/detections", s.push("detections"))
	v1.HandleFunc("POST /v1/devices", s.push("devices"))
	v1.HandleFunc("GET /v1/users", s.users)
	v1.HandleFunc("GET /v1/remediations", s.remediations)
	v1.HandleFunc("GET /v1/quarantine", s.quarantine)
	v1.HandleFunc("GET /v1/quarantine/{id}/raw", s.quarantineText)
	v1.HandleFunc("GET /v1/version", s.version)
	v1.HandleFunc("POST "+api.PathCheckIntegration, s.checkIntegration)
	v1.HandleFunc("POST "+api.PathCheckPolicy, s.checkPolicy)
	v1.HandleFunc("POST "+api.PathCheckPolicyTests, s.checkPolicyTests)
	v1.HandleFunc("GET "+api.PolicyDefaultsPath("{type}"), s.policyDefaults)
	v1.HandleFunc("/v1/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, api.CodeNotFound, fmt.Sprintf("no route %s %s", r.Method, r.URL.Path), "")
	})

	root := http.NewServeMux()
	root.Handle("/v1/", s.requireToken(v1))
	root.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	root.HandleFunc("GET /readyz", s.ready)
	metrics := s.metrics.handler()
	if !s.cfg.PublicMetrics {
		metrics = s.requireToken(metrics)
	}
	root.Handle("GET /metrics", metrics)
	root.Handle("/", apiClientsMiss(s.console))
	return s.observe(root)
}

// statusWriter remembers the status an answer was given.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's deadlines.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe gives each request an id, logs it (method, path, status, time:
// never headers or query, which may carry tokens or user names), counts it
// and turns a panic into a 500.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		// Serve waits for every request it let in, even past a hard stop,
		// so the process never exits in the middle of a rollback.
		s.inflight.Add(1)
		defer s.inflight.Done()
		id := newRequestID()
		w.Header().Set("X-Request-Id", id)
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if err, ok := p.(error); ok && errors.Is(err, http.ErrAbortHandler) {
					panic(p)
				}
				s.httpLog.Error("panic serving a request", "request_id", id, "path", r.URL.Path, "panic", fmt.Sprint(p))
				if sw.status == 0 {
					writeError(sw, http.StatusInternalServerError, api.CodeInternal, fmt.Sprintf("internal error (request %s): see the server log", id), "")
				}
			}
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			elapsed := time.Since(start)
			s.metrics.request(route, sw.status, elapsed)
			level := s.httpLog.Info
			if route == "GET /healthz" || route == "GET /readyz" || route == "GET /metrics" {
				level = s.httpLog.Debug
			}
			level("request", "request_id", id, "method", r.Method, "path", r.URL.Path, "status", sw.status,
				"seconds", elapsed.Seconds(), "remote", r.RemoteAddr)
		}()
		next.ServeHTTP(sw, r)
	})
}

// readyTimeout bounds the store's answer to a readiness check.
const readyTimeout = 5 * time.Second

// ready answers 200 when the server can serve: it is not draining, and its
// store answers a read within readyTimeout. A sync in progress, however
// long, does not make it unready: reads never wait for it. The probe
// itself never hangs: a store that does not answer in time, even one that
// ignores the deadline, is reported 503 at the timeout, and while that
// read is still stuck, later probes answer 503 at once instead of piling
// more reads on.
func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	if s.draining.Load() {
		writeError(w, http.StatusServiceUnavailable, api.CodeDraining, "the server is shutting down", "")
		return
	}
	if !s.probing.CompareAndSwap(false, true) {
		writeError(w, http.StatusServiceUnavailable, api.CodeUnavailable, "the store has not answered the previous readiness check", "")
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), readyTimeout)
	answered := make(chan error, 1)
	go func() {
		defer s.probing.Store(false)
		defer cancel()
		_, err := s.svc.Integration(ctx)
		answered <- err
	}()
	timer := time.NewTimer(readyTimeout)
	defer timer.Stop()
	var err error
	select {
	case err = <-answered:
	case <-timer.C:
		err = context.DeadlineExceeded
	}
	if err != nil {
		s.httpLog.Warn("readiness check: the store does not answer", "error", err)
		writeError(w, http.StatusServiceUnavailable, api.CodeUnavailable, "the store does not answer", "")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// maxSettingsBytes caps a JSON settings body: settings are small.
const maxSettingsBytes = 1 << 20

// decode reads one JSON value, refusing unknown fields: a setting this
// server does not know must fail rather than be silently dropped.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxSettingsBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return errTooLarge
		}
		return errBadRequest{fmt.Errorf("%w: the request body is not valid JSON for this route: %w", engine.ErrInvalid, err)}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errBadRequest{fmt.Errorf("%w: the request body holds more than one JSON value", engine.ErrInvalid)}
	}
	return nil
}

// answer writes v, or the error.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if v == nil {
		w.WriteHeader(status)
		return
	}
	writeJSON(w, status, v)
}

// longRunning lifts the server's read and write deadlines for a request
// that ingests: a large push or sync takes longer than a settings call.
func longRunning(w http.ResponseWriter) {
	rc := http.NewResponseController(w)
	deadline := time.Now().Add(longRequest)
	_ = rc.SetReadDeadline(deadline)
	_ = rc.SetWriteDeadline(deadline)
}

func (s *Server) getIntegration(w http.ResponseWriter, r *http.Request) {
	in, err := s.svc.Integration(r.Context())
	s.answer(w, r, http.StatusOK, in, err)
}

func (s *Server) writeIntegration(mode engine.ClaimMode, status int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in engine.Integration
		if err := decode(w, r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		in, err := s.svc.WriteIntegration(r.Context(), in, mode)
		s.answer(w, r, status, in, err)
	}
}

func (s *Server) resetIntegration(w http.ResponseWriter, r *http.Request) {
	s.answer(w, r, http.StatusNoContent, nil, s.svc.ResetIntegration(r.Context()))
}

func (s *Server) listPolicies(w http.ResponseWriter, r *http.Request) {
	ps, err := s.svc.Policies(r.Context())
	if ps == nil {
		ps = []engine.Policy{}
	}
	s.answer(w, r, http.StatusOK, ps, err)
}

func (s *Server) getPolicy(w http.ResponseWriter, r *http.Request) {
	p, err := s.svc.Policy(r.Context(), r.PathValue("id"))
	s.answer(w, r, http.StatusOK, p, err)
}

func (s *Server) createPolicy(w http.ResponseWriter, r *http.Request) {
	var p engine.Policy
	if err := decode(w, r, &p); err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := s.svc.CreatePolicy(r.Context(), p)
	s.answer(w, r, http.StatusCreated, p, err)
}

func (s *Server) putPolicy(w http.ResponseWriter, r *http.Request) {
	var p engine.Policy
	if err := decode(w, r, &p); err != nil {
		s.fail(w, r, err)
		return
	}
	if id := r.PathValue("id"); p.ID() != id {
		s.fail(w, r, errBadRequest{fmt.Errorf("%w: the body is policy %q but the path names %q", engine.ErrInvalid, p.ID(), id)})
		return
	}
	p, err := s.svc.WritePolicy(r.Context(), p, engine.ClaimHold)
	s.answer(w, r, http.StatusOK, p, err)
}

func (s *Server) deletePolicy(w http.ResponseWriter, r *http.Request) {
	s.answer(w, r, http.StatusNoContent, nil, s.svc.DeletePolicy(r.Context(), r.PathValue("id")))
}

// alerts answers a query from the store, at once: it never waits for a
// sync in progress, nor starts one, so that a read (Terraform's plan)
// changes nothing and does not depend on the source being reachable.
func (s *Server) alerts(w http.ResponseWriter, r *http.Request) {
	q, err := api.ParseAlertQuery(r.URL.Query())
	if err != nil {
		s.fail(w, r, errBadRequest{err})
		return
	}
	if q.Limit == 0 {
		q.Limit = api.MaxPage
	}
	page, err := s.svc.Alerts(r.Context(), q)
	s.answer(w, r, http.StatusOK, page, err)
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	st, err := s.svc.Status(r.Context())
	s.answer(w, r, http.StatusOK, st, err)
}

func (s *Server) syncNow(w http.ResponseWriter, r *http.Request) {
	longRunning(w)
	sum, err := s.sync(s.work, "api")
	s.answer(w, r, http.StatusOK, sum, err)
}

// apiClientsMiss answers an API client (one that sends a bearer token or
// asks for JSON) outside /v1 with the API's JSON 404, and everyone else
// with the console: a provider whose endpoint has a wrong path must hear
// that the API is under /v1, not get a sign-in page it cannot read.
func apiClientsMiss(console http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" || strings.Contains(r.Header.Get("Accept"), "application/json") {
			writeError(w, http.StatusNotFound, api.CodeNotFound, "not found: the API is under /v1", "")
			return
		}
		console.ServeHTTP(w, r)
	})
}
