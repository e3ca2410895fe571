package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/store/postgres"
)

// A connection string that does not parse is refused with an error that
// holds its password in no spelling, however the string is written.
func TestParseErrorsHoldNoPassword(t *testing.T) {
	const pw = "Pa55-w0rd_X"
	for _, conn := range []string{
		"host=localhost password = " + pw + " sslmode=bogus",
		"host=localhost password=" + pw + " sslmode=bogus",
		"host=localhost password= " + pw + " port=abc",
		"host=localhost password ='" + pw + " with spaces' sslmode=bogus",
		"host=localhost PASSWORD=" + pw + " connect_timeout=x",
		"postgres://user:" + pw + "@localhost/db?sslmode=bogus",
		"postgres://user@localhost/db?password=" + pw + "&sslmode=bogus",
		"postgres://user:" + pw + "@localhost:notaport/db",
		"host=localhost password=" + pw + " pool_max_conns=many",
	} {
		t.Run(conn, func(t *testing.T) {
			_, err := postgres.Open(context.Background(), conn, postgres.Options{})
			if !errors.Is(err, engine.ErrInvalid) {
				t.Fatalf("Open = %v, want ErrInvalid", err)
			}
			for e := err; e != nil; e = errors.Unwrap(e) {
				for _, text := range []string{e.Error(), fmt.Sprintf("%+v", e), fmt.Sprintf("%#v", e)} {
					if strings.Contains(text, pw) {
						t.Fatalf("the error holds the password: %s", text)
					}
				}
			}
		})
	}
}
