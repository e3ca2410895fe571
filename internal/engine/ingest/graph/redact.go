package graph

import (
	"net/url"
	"strings"
)

const redacted = "[REDACTED]"

// redactor removes the client secret from text that may have seen it: the
// token endpoint's error descriptions (a proxy or a misconfigured endpoint
// may echo the form it was sent) and anything derived from them. The secret
// travels form-encoded, so its encoded spellings are removed too.
type redactor struct{ forms []string }

func newRedactor(secret string) redactor {
	seen := map[string]bool{}
	var forms []string
	for _, f := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret)} {
		if f != "" && !seen[f] {
			seen[f] = true
			forms = append(forms, f)
		}
	}
	return redactor{forms: forms}
}

func (r redactor) String(s string) string {
	for _, f := range r.forms {
		s = strings.ReplaceAll(s, f, redacted)
	}
	return s
}
