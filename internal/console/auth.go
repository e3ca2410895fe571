package console

import (
	"crypto/sha256"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Scopes that may sign in: the console only reads, which a read token
// allows, and an admin token allows everything.
const (
	ScopeRead  = "read"
	ScopeAdmin = "admin"
)

// Authenticator checks a token presented at sign-in and tells its scope;
// afterwards, it tells the scope of the same token known by its SHA-256
// digest, all a session keeps of it. Every request asks again, so that a
// token withdrawn from the server ends the sessions it opened at once.
type Authenticator interface {
	Authenticate(token string) (scope string, ok bool)
	ScopeOfDigest(digest [sha256.Size]byte) (scope string, ok bool)
}

const sessionCookie = "idp_session"

// maxTokenBytes bounds what a sign-in form may carry as a token.
const maxTokenBytes = 4096

type pageHandler func(w http.ResponseWriter, r *http.Request, v *view)

// signedIn lets a request with a live session through, with the view every
// page starts from; any other request is sent to the sign-in page, which
// sends it back once signed in.
func (c *Console) signedIn(h pageHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Pages show alerts and users: no cache may keep them.
		w.Header().Set("Cache-Control", "no-store")
		sess := c.liveSession(r)
		if sess == nil {
			target := "/signin"
			if r.Method == http.MethodGet && r.URL.RequestURI() != "/" {
				target += "?next=" + url.QueryEscape(r.URL.RequestURI())
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
		h(w, r, &view{Scope: sess.scope, CSRF: sess.csrf, Path: r.URL.Path})
	})
}

// liveSession is the request's session while the token that opened it is
// still accepted with the same scope; a session whose token was withdrawn
// or changed scope is ended, and the person signs in again.
func (c *Console) liveSession(r *http.Request) *session {
	ck, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	sess, ok := c.sessions.get(ck.Value)
	if !ok {
		return nil
	}
	if scope, ok := c.auth.ScopeOfDigest(sess.token); !ok || scope != sess.scope {
		c.sessions.end(ck.Value)
		c.log.Info("session ended: its token is no longer accepted with its scope", "scope", sess.scope, "remote", r.RemoteAddr)
		return nil
	}
	return sess
}

type signinView struct {
	view
	Next  string
	Error string
}

func (c *Console) signinPage(w http.ResponseWriter, r *http.Request) {
	c.showSignin(w, r, http.StatusOK, localPath(r.URL.Query().Get("next")), "")
}

// showSignin renders the form with a fresh nonce cookie and its token.
func (c *Console) showSignin(w http.ResponseWriter, r *http.Request, status int, next, problem string) {
	nonce := randomToken()
	http.SetCookie(w, &http.Cookie{Name: signinCookie, Value: nonce, Path: "/signin", MaxAge: 3600,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	w.Header().Set("Cache-Control", "no-store")
	c.render(w, r, status, "signin", signinView{view: view{Title: "Sign in", CSRF: c.csrf.signinToken(nonce)}, Next: next, Error: problem})
}

func (c *Console) signin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 2*maxTokenBytes)
	if err := r.ParseForm(); err != nil {
		c.showSignin(w, r, http.StatusBadRequest, "/", "The form could not be read. Try again.")
		return
	}
	next := localPath(r.PostFormValue("next"))
	if !sameOrigin(r) || !c.csrf.checkSignin(r) {
		c.showSignin(w, r, http.StatusForbidden, next, "The form expired or did not come from this page. Try again.")
		return
	}
	token := strings.TrimSpace(r.PostFormValue("token"))
	scope, ok := "", false
	if token != "" && len(token) <= maxTokenBytes {
		scope, ok = c.auth.Authenticate(token)
	}
	switch {
	case !ok:
		// The token is never logged, nor echoed back into the form.
		c.log.Warn("sign-in refused: the token is not valid", "remote", r.RemoteAddr)
		c.showSignin(w, r, http.StatusUnauthorized, next, "That token is not valid.")
		return
	case scope != ScopeRead && scope != ScopeAdmin:
		c.log.Warn("sign-in refused: the token's scope may not sign in", "scope", scope, "remote", r.RemoteAddr)
		c.showSignin(w, r, http.StatusForbidden, next, "That token's scope cannot sign in: use a read or admin token.")
		return
	}
	id, _ := c.sessions.start(scope, sha256.Sum256([]byte(token)))
	c.log.Info("signed in", "scope", scope, "remote", r.RemoteAddr)
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: id, Path: "/", MaxAge: int(c.sessions.lifetime / time.Second),
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	http.SetCookie(w, &http.Cookie{Name: signinCookie, Value: "", Path: "/signin", MaxAge: -1,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (c *Console) signout(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxTokenBytes)
	ck, err := r.Cookie(sessionCookie)
	if err == nil {
		if sess, ok := c.sessions.get(ck.Value); ok {
			if !sameOrigin(r) || !equal(r.PostFormValue("csrf"), sess.csrf) {
				c.fail(w, r, &view{Scope: sess.scope, CSRF: sess.csrf}, http.StatusForbidden,
					"The sign-out form expired or did not come from this console.")
				return
			}
			c.sessions.end(ck.Value)
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

// localPath keeps a redirect target on this console: a path that is not
// absolute, or that a browser would read as another host (//host,
// /\host), becomes "/".
func localPath(p string) string {
	if p == "" || p[0] != '/' || strings.HasPrefix(p, "//") || strings.HasPrefix(p, `/\`) || strings.ContainsAny(p, "\r\n") {
		return "/"
	}
	u, err := url.Parse(p)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return p
}
