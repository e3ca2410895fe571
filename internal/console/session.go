package console

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"sync"
	"time"
)

// Sessions are held in this process's memory, keyed by a hash of the
// random value the cookie carries: the cookie never holds the token, and a
// restart signs everyone out. The number of sessions is capped, so sign-ins
// cannot grow memory without bound; the oldest session gives way.
type sessions struct {
	mu       sync.Mutex
	byHash   map[[sha256.Size]byte]*session
	now      func() time.Time
	lifetime time.Duration
	idle     time.Duration
	max      int
}

type session struct {
	scope string
	// token is the SHA-256 digest of the token that opened the session,
	// checked again on every request (Authenticator).
	token   [sha256.Size]byte
	csrf    string
	created time.Time
	seen    time.Time
}

func newSessions(now func() time.Time, lifetime, idle time.Duration, max int) *sessions {
	return &sessions{byHash: map[[sha256.Size]byte]*session{}, now: now, lifetime: lifetime, idle: idle, max: max}
}

// start creates a session and returns the value its cookie carries.
func (s *sessions) start(scope string, token [sha256.Size]byte) (string, *session) {
	id := randomToken()
	now := s.now()
	sess := &session{scope: scope, token: token, csrf: randomToken(), created: now, seen: now}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep(now)
	for len(s.byHash) >= s.max {
		s.dropOldest()
	}
	s.byHash[sha256.Sum256([]byte(id))] = sess
	return id, sess
}

// get returns the live session a cookie value names, and marks it seen.
func (s *sessions) get(id string) (*session, bool) {
	if id == "" {
		return nil, false
	}
	key := sha256.Sum256([]byte(id))
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.byHash[key]
	if !ok {
		return nil, false
	}
	if s.expired(sess, now) {
		delete(s.byHash, key)
		return nil, false
	}
	sess.seen = now
	// A copy: the caller reads it without the lock.
	c := *sess
	return &c, true
}

func (s *sessions) end(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.byHash, sha256.Sum256([]byte(id)))
}

func (s *sessions) expired(sess *session, now time.Time) bool {
	return now.Sub(sess.created) >= s.lifetime || now.Sub(sess.seen) >= s.idle
}

// sweep drops expired sessions; it runs at each sign-in, so the map never
// holds more than the sessions of one lifetime.
func (s *sessions) sweep(now time.Time) {
	for k, sess := range s.byHash {
		if s.expired(sess, now) {
			delete(s.byHash, k)
		}
	}
}

func (s *sessions) dropOldest() {
	var oldest [sha256.Size]byte
	var at time.Time
	first := true
	for k, sess := range s.byHash {
		if first || sess.created.Before(at) {
			oldest, at, first = k, sess.created, false
		}
	}
	delete(s.byHash, oldest)
}

// randomToken is 256 random bits, URL-safe.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
