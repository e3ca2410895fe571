package server

import (
	"fmt"
	"net/http"

	"github.com/idp/terraform-provider-idp/internal/api"
	"github.com/idp/terraform-provider-idp/internal/engine"
)

// The checks (api/checks.go) answer what a write would make of settings
// without writing them: the provider asks them at plan time, so that the
// server's rules, not the provider binary's, decide what is valid. They
// change nothing, so a read token may send them (scopeNeeded).

// isCheck reports whether a request is one of the checks: a POST that
// reads nothing and writes nothing.
func isCheck(r *http.Request) bool {
	switch r.URL.Path {
	case api.PathCheckIntegration, api.PathCheckPolicy, api.PathCheckPolicyTests:
		return true
	}
	return false
}

func (s *Server) checkIntegration(w http.ResponseWriter, r *http.Request) {
	var in engine.Integration
	if err := decode(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	s.answer(w, r, http.StatusNoContent, nil, s.svc.CheckIntegration(r.Context(), in))
}

func (s *Server) checkPolicy(w http.ResponseWriter, r *http.Request) {
	var p engine.Policy
	if err := decode(w, r, &p); err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := s.svc.CheckPolicy(r.Context(), p)
	s.answer(w, r, http.StatusOK, p, err)
}

func (s *Server) checkPolicyTests(w http.ResponseWriter, r *http.Request) {
	var req api.PolicyTestsRequest
	if err := decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if len(req.Tests) > api.MaxPolicyTests {
		s.fail(w, r, errBadRequest{fmt.Errorf("%w: at most %d tests a request, not %d: send the rest in further requests",
			engine.ErrInvalid, api.MaxPolicyTests, len(req.Tests))})
		return
	}
	results, err := s.svc.TestPolicy(r.Context(), req.Policy, req.Tests)
	if results == nil {
		results = []engine.PolicyTestResult{}
	}
	s.answer(w, r, http.StatusOK, api.PolicyTestsAnswer{Results: results}, err)
}

func (s *Server) policyDefaults(w http.ResponseWriter, r *http.Request) {
	query := r.URL.Query()
	for name := range query {
		if name != api.ParamGroupBy {
			s.fail(w, r, errBadRequest{fmt.Errorf("%w: unknown query parameter %q", engine.ErrInvalid, name)})
			return
		}
	}
	p, err := s.svc.PolicyDefaults(r.Context(), r.PathValue("type"), query.Get(api.ParamGroupBy))
	s.answer(w, r, http.StatusOK, p, err)
}

// version answers the server's release and API versions, so that a
// client can tell an incompatible server in words before it misreads one.
func (s *Server) version(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, api.Version{Version: s.cfg.Version, APIVersion: api.APIVersion})
}
