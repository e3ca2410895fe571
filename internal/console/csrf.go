package console

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
)

// Forms that change state (sign-in, sign-out) carry a token the page that
// showed them put there; a page of another site cannot read it. Sign-out
// uses the session's token. Sign-in has no session yet: its form carries an
// HMAC, under a key this process drew at start, of a random nonce that a
// cookie carries, so a token planted from elsewhere does not verify. On top
// of that, the browser's own word on where a request comes from (Origin,
// Sec-Fetch-Site) must be this origin when it is given.

const signinCookie = "idp_signin"

type csrfKey []byte

func newCSRFKey() csrfKey {
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	return k
}

func (k csrfKey) signinToken(nonce string) string {
	m := hmac.New(sha256.New, k)
	m.Write([]byte("signin\x00" + nonce))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkSignin verifies the sign-in form's token against its nonce cookie.
func (k csrfKey) checkSignin(r *http.Request) bool {
	c, err := r.Cookie(signinCookie)
	if err != nil || c.Value == "" {
		return false
	}
	return equal(r.PostFormValue("csrf"), k.signinToken(c.Value))
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// sameOrigin refuses a request that the browser says comes from another
// site. Browsers send Sec-Fetch-Site and, on POST, Origin; a request
// without either is not from a browser page, and the form token decides.
func sameOrigin(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host == r.Host
}
