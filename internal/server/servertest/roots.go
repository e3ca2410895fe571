package servertest

import (
	"os"
	"testing"

	"github.com/idp/terraform-provider-idp/internal/engine/ingest/filesource"
)

// SourceRoots restricts the file sources of a test server's engine to the
// system's temporary directory (where t.TempDir files live) and the
// working directory (the package's testdata), as an operator would name
// the directories its sources live in.
func SourceRoots(t testing.TB) filesource.Access {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	access, err := filesource.Restrict([]string{os.TempDir(), wd})
	if err != nil {
		t.Fatal(err)
	}
	return access
}
