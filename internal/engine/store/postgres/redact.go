package postgres

import (
	"errors"
	"net/url"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// parseProblem says what is wrong with a connection string that does not
// parse, without the string: pgx quotes it in its errors with the password
// masked only where it can find it, and a malformed string ("password = X
// sslmode=bogus") defeats that. What remains is pgx's reason, with every
// value the string gives a password removed from it too.
func parseProblem(connString string, err error) string {
	reason := err.Error()
	var pe *pgconn.ParseConfigError
	if errors.As(err, &pe) {
		// "cannot parse `<the string>`: <reason>": the reason only.
		reason = "it is malformed"
		if text := pe.Error(); strings.Contains(text, "`: ") {
			reason = text[strings.LastIndex(text, "`: ")+3:]
		}
	}
	for _, pw := range passwordsIn(connString) {
		reason = strings.ReplaceAll(reason, pw, "[REDACTED]")
	}
	return strings.ReplaceAll(reason, connString, "[the connection string]")
}

// keywordPassword finds the password of a keyword/value connection string,
// however it is spaced or quoted.
var keywordPassword = regexp.MustCompile(`(?i)password\s*=\s*('(?:[^'\\]|\\.)*'|\S+)`)

// passwordsIn lists everything in a connection string that may be a
// password, in every spelling the string has it.
func passwordsIn(connString string) []string {
	var out []string
	add := func(v string) {
		if v != "" {
			out = append(out, v, url.QueryEscape(v), url.PathEscape(v))
		}
	}
	if u, err := url.Parse(connString); err == nil {
		if pw, ok := u.User.Password(); ok {
			add(pw)
		}
		add(u.Query().Get("password"))
	}
	for _, m := range keywordPassword.FindAllStringSubmatch(connString, -1) {
		v := m[1]
		add(v)
		add(strings.Trim(v, "'"))
	}
	return out
}
