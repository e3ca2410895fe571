//go:build unix

package service_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest/filesource"
	"github.com/idp/terraform-provider-idp/internal/engine/service"
)

func fileSourceIntegration(detections ...string) engine.Integration {
	in := engine.DefaultIntegration()
	in.Source = &engine.Source{File: &engine.FileSource{Detections: detections}}
	return in
}

func wantRefusedField(t *testing.T, err error, field string, sentinel error) {
	t.Helper()
	var fe *engine.FieldError
	if !errors.As(err, &fe) || fe.Field != field || !errors.Is(err, sentinel) || !errors.Is(err, engine.ErrInvalid) {
		t.Fatalf("got %v, want ErrInvalid and %v about %s", err, sentinel, field)
	}
}

// The embedded engine reads any file its user can, but only regular ones:
// a FIFO is refused when the integration is written, and when a file has
// become one by the time it is read, the sync fails at once instead of
// waiting for a writer that never comes.
func TestFileSourceMustBeARegularFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	svc := open(t, service.Config{DataDir: filepath.Join(dir, "store")})
	ctx := context.Background()
	_, err := svc.SetIntegration(ctx, fileSourceIntegration(fifo))
	wantRefusedField(t, err, "source.file.detections", filesource.ErrNotRegular)

	later := filepath.Join(dir, "later.ndjson")
	if _, err := svc.SetIntegration(ctx, fileSourceIntegration(later)); err != nil {
		t.Fatalf("a file that does not exist yet: %v", err)
	}
	if err := syscall.Mkfifo(later, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Sync(ctx); !errors.Is(err, filesource.ErrNotRegular) {
		t.Fatalf("sync of a FIFO = %v, want ErrNotRegular", err)
	}
}

// An engine restricted to source roots refuses a path outside them when
// the integration is written, and a path that has become a link out of
// them when it is read.
func TestFileSourceUnderRoots(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	secret := filepath.Join(dir, "secret.ndjson")
	inside := filepath.Join(root, "in.ndjson")
	if err := os.MkdirAll(root, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{secret, inside} {
		if err := os.WriteFile(p, []byte(`{"id":"d1","userId":"u1","riskEventType":"leakedCredentials","activityDateTime":"2025-06-10T08:00:00Z"}`+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	access, err := filesource.Restrict([]string{root})
	if err != nil {
		t.Fatal(err)
	}
	svc := open(t, service.Config{DataDir: filepath.Join(dir, "store"), FileSources: access})
	ctx := context.Background()
	_, err = svc.SetIntegration(ctx, fileSourceIntegration(secret))
	wantRefusedField(t, err, "source.file.detections", filesource.ErrOutsideRoots)

	in := fileSourceIntegration(inside)
	in.Source.File.Devices = []string{root + "/../secret.ndjson"}
	_, err = svc.SetIntegration(ctx, in)
	wantRefusedField(t, err, "source.file.devices", filesource.ErrOutsideRoots)

	if _, err := svc.SetIntegration(ctx, fileSourceIntegration(inside)); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(inside); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, inside); err != nil {
		t.Fatal(err)
	}
	sum, err := svc.Sync(ctx)
	if !errors.Is(err, filesource.ErrOutsideRoots) || sum.Read != 0 {
		t.Fatalf("sync through a link out of the root = %+v, %v; want nothing read and ErrOutsideRoots", sum, err)
	}
}
