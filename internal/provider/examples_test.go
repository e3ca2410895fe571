package provider

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/hashicorp/go-version"
)

// The `terraform test` files of examples/tests pass, twice in a row (each
// run has a store of its own), with the real CLI and this provider: the
// engine_sync pair on Terraform 1.7 and later, the sync_action pair on
// 1.14 and later. They write their own provider block, so they run in the
// embedded mode only.
func TestAccExampleTerraformTests(t *testing.T) {
	for _, tc := range []struct {
		dir     string
		minimum string
		// engine: the sync steps run the engine's command line.
		engine bool
	}{
		{"engine_sync", "1.7.0", true},
		{"sync_action", actionsVersion.String(), false},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			e := newTestEnv(t, onlyIn("the example tests write their own provider block", modeEmbedded))
			tf := terraformAtLeast(t, version.Must(version.NewVersion(tc.minimum)))
			root := t.TempDir()
			if err := os.CopyFS(root, os.DirFS(filepath.Join("..", "..", "examples", "tests"))); err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(root, tc.dir)
			if tc.engine {
				t.Setenv("IDP_ENGINE", engineBinary(t))
			}
			run := tf.runner(t, e, dir)
			run("init", "-input=false")
			for i := range 2 {
				out := run("test")
				if !strings.Contains(out, "Success!") || strings.Contains(out, "Failure!") {
					t.Fatalf("terraform test, run %d:\n%s", i+1, out)
				}
			}
			// Each run deleted its store when it was done.
			if left, _ := filepath.Glob(filepath.Join(dir, ".terraform", "idp-test", "*")); len(left) != 0 {
				t.Errorf("the test runs left their stores behind: %v", left)
			}
		})
	}
}

// engineBinary is the provider binary, which runs the engine's command
// line: IDP_TEST_ENGINE when the caller built it, else built here.
func engineBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("IDP_TEST_ENGINE"); p != "" {
		return p
	}
	out := filepath.Join(t.TempDir(), "terraform-provider-idp")
	if runtime.GOOS == "windows" {
		out += ".exe"
	}
	build := exec.Command("go", "build", "-o", out, "../..")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the engine: %v\n%s", err, b)
	}
	return out
}
