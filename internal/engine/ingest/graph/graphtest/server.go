// Package graphtest is a Microsoft Graph look-alike on httptest, for the
// tests of every package that talks to Graph: the client-credentials token
// endpoint, riskDetections with $filter on lastUpdatedDateTime, $top and
// server-side paging, managedDevices with $select, and
// riskyUsers/confirmCompromised with a recorder of what it was sent. Faults
// (429 without Retry-After, 503, a per-second rate limit, expired tokens,
// missing permissions) are switched on with SetBehavior.
//
// One Server serves both the authority (token endpoint) and Graph: point
// the client's authority and Graph URLs at Server.URL. It is safe for
// concurrent use.
package graphtest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"
)

// Graph's documented limits, enforced as Graph does.
const (
	MaxTop                = 500 // riskDetections $top
	DefaultTop            = 20  // riskDetections page size without $top
	DefaultDevicePageSize = 1000
	MaxConfirmBatch       = 60 // user ids in one confirmCompromised body
)

// Behavior shapes the answers. The zero value is a well-behaved Graph.
type Behavior struct {
	// Unordered serves riskDetections in a fixed order unrelated to
	// lastUpdatedDateTime (the real API promises no order); otherwise they
	// come oldest first.
	Unordered bool
	// EmptyPageEvery: every Nth page of a listing is empty but has a
	// nextLink, as Graph sometimes answers.
	EmptyPageEvery int
	// DevicePageSize is the managedDevices page size (default 1000).
	DevicePageSize int

	// ThrottleEvery: every Nth Graph request is answered 429 without
	// Retry-After, as Identity Protection does.
	ThrottleEvery int
	// RetryAfter, when positive, is sent with every 429, in seconds
	// (rounded up) or, with RetryAfterDate, as an HTTP date.
	RetryAfter     time.Duration
	RetryAfterDate bool
	// UnavailableEvery: every Nth Graph request is answered 503.
	UnavailableEvery int
	// UnavailableNext: the next N Graph requests are answered 503.
	UnavailableNext int
	// RequestsPerSecond, when positive, throttles Graph requests beyond it
	// with 429 and no Retry-After, like the real per-tenant limit: at most
	// that many requests in each second of the wall clock (or one in each
	// 1/RequestsPerSecond seconds below one a second).
	RequestsPerSecond float64

	// TokenLifetime of issued tokens (default one hour).
	TokenLifetime time.Duration
	// TokenUnavailableNext: the next N token requests are answered 503.
	TokenUnavailableNext int
	// EchoTokenRequests puts the token request's body in the token
	// endpoint's error descriptions, as a broken proxy might: tests use it
	// to prove that clients do not repeat the secret.
	EchoTokenRequests bool

	// DenyPermissions answers 403 on the endpoints needing these
	// application permissions (IdentityRiskEvent.Read.All, ...).
	DenyPermissions []string
	// RejectUserIDs: a confirmCompromised batch holding one of these is
	// refused with 404, as for a user Graph does not know.
	RejectUserIDs []string
}

// Stats counts what the server answered.
type Stats struct {
	TokenRequests int
	TokensIssued  int
	GraphRequests int // every request to a Graph endpoint, whatever its answer
	Throttled     int // 429s
	Unavailable   int // 503s
	Unauthorized  int // 401s
	Forbidden     int // 403s
	Pages         int // collection pages answered 200
	StaleTokens   int // skiptokens refused
}

// Server is the fake Graph. Its fields are read-only after NewServer.
type Server struct {
	URL          string
	TenantID     string
	ClientID     string
	ClientSecret string

	srv *httptest.Server

	mu         sync.Mutex
	now        func() time.Time
	behavior   Behavior
	window     window
	detections *collection
	devices    *collection
	snapshots  map[string][]json.RawMessage
	snapOrder  []string
	snapSeq    int
	tokens     map[string]time.Time // access token -> expiry
	stats      Stats
	calls      [][]string // every confirmCompromised body that reached the handler
	confirmed  []string   // user ids of the batches answered 204, in order
}

// NewServer starts a server that accepts these credentials. Close it.
func NewServer(tenantID, clientID, clientSecret string) *Server {
	s := &Server{
		TenantID:     tenantID,
		ClientID:     clientID,
		ClientSecret: clientSecret,
		now:          time.Now,
		detections:   newCollection(),
		devices:      newCollection(),
		snapshots:    map[string][]json.RawMessage{},
		tokens:       map[string]time.Time{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", s.token)
	mux.Handle("GET /v1.0/identityProtection/riskDetections", s.graph(permRiskDetections, s.listDetections))
	mux.Handle("GET /v1.0/deviceManagement/managedDevices", s.graph(permManagedDevices, s.listDevices))
	mux.Handle("POST /v1.0/identityProtection/riskyUsers/confirmCompromised", s.graph(permRiskyUsers, s.confirmCompromised))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		graphError(w, http.StatusNotFound, "Request_ResourceNotFound", "Resource not found for the segment '"+r.URL.Path+"'.")
	})
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL
	return s
}

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// Host is the server's host:port. A Graph client sends credentials only to
// Microsoft's hosts and to those it is told to allow: a test allows this
// one (graph.Config.AllowHosts, or IDP_GRAPH_ALLOWED_HOSTS).
func (s *Server) Host() string { return s.srv.Listener.Addr().String() }

// SetBehavior replaces the behaviour (and restarts the rate limit).
func (s *Server) SetBehavior(b Behavior) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.behavior = b
	s.window = newWindow(b.RequestsPerSecond)
}

// SetClock sets the server's clock: Date headers and token expiry read it.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// ExpireTokens makes every token issued so far expired, although the
// clients were told it lives longer: their next request gets a 401.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for tok := range s.tokens {
		s.tokens[tok] = s.now().Add(-time.Second)
	}
}

// ExpireSkipTokens forgets every paging snapshot: nextLinks issued so far
// are refused with 400, as expired continuation tokens are.
func (s *Server) ExpireSkipTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.snapshots = map[string][]json.RawMessage{}
	s.snapOrder = nil
}

// Stats returns the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// ConfirmCompromisedCalls returns the userIds of every confirmCompromised
// body that passed authentication and fault injection, refused or not.
func (s *Server) ConfirmCompromisedCalls() [][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([][]string, len(s.calls))
	for i, c := range s.calls {
		out[i] = append([]string(nil), c...)
	}
	return out
}

// Compromised returns the user ids Graph confirmed (answered 204), in order,
// repeats included.
func (s *Server) Compromised() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.confirmed...)
}
