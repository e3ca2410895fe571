package graph

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

// ErrHostNotAllowed: authority_url or graph_url names a host the client
// may not send credentials to. It comes wrapped with engine.ErrInvalid.
var ErrHostNotAllowed = errors.New("host not allowed")

// AllowedHostsEnv extends the allowed hosts in every mode: a comma-
// separated list of host names (or host:port).
const AllowedHostsEnv = "IDP_GRAPH_ALLOWED_HOSTS"

// microsoftHosts are the endpoints of Microsoft's public and sovereign
// clouds: the Entra ID authorities and the Graph endpoints. The client
// secret and the access tokens go to these and to the hosts an operator
// adds, never anywhere else, so that whoever writes authority_url or
// graph_url cannot have them sent to a host of their own.
var microsoftHosts = []string{
	"login.microsoftonline.com",       // public cloud
	"login.microsoftonline.us",        // US Government (GCC High, DoD)
	"login.chinacloudapi.cn",          // operated by 21Vianet
	"graph.microsoft.com",             // public cloud
	"graph.microsoft.us",              // US Government L4
	"dod-graph.microsoft.us",          // US Government L5 (DoD)
	"microsoftgraph.chinacloudapi.cn", // operated by 21Vianet
}

// MicrosoftHosts lists the hosts allowed without configuration.
func MicrosoftHosts() []string { return slices.Clone(microsoftHosts) }

// ParseAllowedHosts splits a comma-separated list (the value of
// AllowedHostsEnv), dropping blanks.
func ParseAllowedHosts(list string) []string {
	var out []string
	for _, h := range strings.Split(list, ",") {
		if h = strings.TrimSpace(h); h != "" {
			out = append(out, h)
		}
	}
	return out
}

// CheckHost refuses a base URL (authority_url or graph_url, name says
// which) whose host is neither Microsoft's nor in extra. An entry of extra
// is a host name, which allows any port, or host:port, which allows that
// port only. Names compare without case and without a trailing dot.
func CheckHost(name, raw string, extra []string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%w: graph source: %s %q is not an absolute URL", engine.ErrInvalid, name, raw)
	}
	if hostAllowed(u, extra) {
		return nil
	}
	return fmt.Errorf("%w: graph source: %s %q: %w: credentials go only to Microsoft's cloud endpoints "+
		"and to the hosts the engine's operator allows (%s, or engine serve --graph-allowed-host)",
		engine.ErrInvalid, name, raw, ErrHostNotAllowed, AllowedHostsEnv)
}

func hostAllowed(u *url.URL, extra []string) bool {
	host, port := normalHost(u.Hostname()), u.Port()
	if slices.Contains(microsoftHosts, host) && (port == "" || port == "443") {
		return true
	}
	for _, e := range extra {
		h, p := splitEntry(strings.TrimSpace(e))
		if h == host && (p == "" || p == port) {
			return true
		}
	}
	return false
}

// splitEntry reads an allowed-host entry: a host name or IP address, with
// or without a port ("[::1]:8443" for an IPv6 address with one).
func splitEntry(e string) (host, port string) {
	if h, p, err := net.SplitHostPort(e); err == nil {
		return normalHost(h), p
	}
	return normalHost(strings.Trim(e, "[]")), ""
}

func normalHost(h string) string { return strings.TrimSuffix(strings.ToLower(h), ".") }

// noRedirects is the CheckRedirect of the client's HTTP requests. A
// redirect would resend the token request (client secret included) or the
// bearer token to wherever the answer points: the redirect is answered as
// the error it is instead.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
