package servertest

import (
	"os"
	"testing"

	"github.com/idp/terraform-provider-idp/internal/engine/ingest/filesource"
)

// SourceRoots restricts the file sources of a test server's engine to the
// system's temporary directory (where t.TempDir files live), the working
// directory (the package's testdata) and the directories given, as an
// operator names the directories its sources live in.
func SourceRoots(t testing.TB, dirs ...string) filesource.Access {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	access, err := filesource.Restrict(append([]string{os.TempDir(), wd}, dirs...))
	if err != nil {
		t.Fatal(err)
	}
	return access
}
