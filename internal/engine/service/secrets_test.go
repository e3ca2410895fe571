package service_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/secret"
	"github.com/idp/terraform-provider-idp/internal/engine/service"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
	"github.com/idp/terraform-provider-idp/internal/engine/store/postgres/pgtest"
	"github.com/idp/terraform-provider-idp/internal/engine/store/storeopen"
)

// storedGraph is the graph source as the store holds it.
func storedGraph(t *testing.T, svc *service.Service) engine.GraphSource {
	t.Helper()
	var in engine.Integration
	err := svc.Store().View(context.Background(), func(r store.Reader) error {
		var err error
		in, _, err = r.Integration(context.Background())
		return err
	})
	if err != nil || in.Source == nil || in.Source.Graph == nil {
		t.Fatalf("stored integration %+v, %v", in, err)
	}
	return *in.Source.Graph
}

// answered checks what the engine answers about the graph source: that a
// secret is held (or not), never the secret itself.
func answered(t *testing.T, what string, in engine.Integration, set bool) {
	t.Helper()
	g := in.Source.Graph
	if g.ClientSecret != "" || g.SealedClientSecret != "" || g.ClientSecretSet != set {
		t.Fatalf("%s: graph source %+v; want no secret and client_secret_set %t", what, *g, set)
	}
	b, _ := json.Marshal(in)
	for _, form := range secretForms {
		if bytes.Contains(b, []byte(form)) {
			t.Fatalf("%s: the answer holds the secret: %s", what, b)
		}
	}
}

// noPlaintextOnDisk fails when any file under dir (the database, its WAL,
// the key file) holds the secret.
func noPlaintextOnDisk(t *testing.T, dir string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, form := range secretForms {
			if bytes.Contains(b, []byte(form)) {
				t.Errorf("%s holds the secret in plaintext", path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A client secret written to the engine is sealed in the store, is never
// answered, is kept by a write that keeps it, and is what the sync sends.
func TestGraphSecretSealedAndNeverAnswered(t *testing.T) {
	t.Setenv(service.GraphSecretEnv, "")
	t.Setenv(service.SecretKeyFileEnv, "")
	e := newGraphEnv(t)
	e.load(t, newDataset(t, 50, 10, 7))
	dir := t.TempDir()
	svc := e.engineOn(t, dir, nil, e.source(20, false), nil)
	ctx := context.Background()

	in, err := svc.Integration(ctx)
	if err != nil {
		t.Fatal(err)
	}
	answered(t, "Integration", in, true)
	g := storedGraph(t, svc)
	if g.ClientSecret != "" || !secret.IsSealed(g.SealedClientSecret) {
		t.Fatalf("stored graph source %+v: want the secret sealed only", g)
	}
	syncOK(t, svc)
	noPlaintextOnDisk(t, dir)
	if info, err := os.Stat(filepath.Join(dir, service.DefaultSecretKeyFile)); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, %v; want mode 0600 beside the store", info, err)
	}

	// What was read, written back: the secret stays, and still works.
	in.Source.Graph.PageSize = 10
	out, err := svc.SetIntegration(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	answered(t, "SetIntegration keeping the secret", out, true)
	tokens := e.srv.Stats().TokensIssued
	e.srv.ExpireTokens()
	syncOK(t, svc)
	if e.srv.Stats().TokensIssued == tokens {
		t.Fatal("no new token was issued: the kept secret was not used")
	}

	// Written without the secret and without keeping it: dropped, and a
	// sync then has none.
	in.Source.Graph.ClientSecretSet = false
	out, err = svc.SetIntegration(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	answered(t, "SetIntegration dropping the secret", out, false)
	if g := storedGraph(t, svc); g.SealedClientSecret != "" || g.ClientSecret != "" {
		t.Fatalf("stored after dropping: %+v", g)
	}
	if _, err := svc.Sync(ctx); !errors.Is(err, engine.ErrInvalid) || !strings.Contains(err.Error(), service.GraphSecretEnv) {
		t.Fatalf("sync without a secret = %v", err)
	}
}

// A store copied to another engine, whose key differs, gives no secret:
// the sync fails saying so, and sends nothing.
func TestGraphSecretNeedsItsKey(t *testing.T) {
	t.Setenv(service.GraphSecretEnv, "")
	e := newGraphEnv(t)
	dir := t.TempDir()
	svc := e.engineOn(t, dir, nil, e.source(20, false), nil)
	svc.Close()
	other := filepath.Join(t.TempDir(), "other.key")
	if _, err := secret.LoadOrCreateKey(other); err != nil {
		t.Fatal(err)
	}
	copyEngine := e.openOn(t, dir, func(c *service.Config) { c.SecretKeyFile = other })
	before := e.srv.Stats()
	if _, err := copyEngine.Sync(context.Background()); !errors.Is(err, secret.ErrWrongKey) {
		t.Fatalf("sync with another key = %v, want ErrWrongKey", err)
	}
	if after := e.srv.Stats(); after.TokenRequests != before.TokenRequests {
		t.Fatal("a token was requested without the secret")
	}
}

// A secret an earlier version stored in plaintext still works, is never
// answered, and is sealed by the next write that keeps it.
func TestPlaintextSecretOfAnEarlierVersion(t *testing.T) {
	t.Setenv(service.GraphSecretEnv, "")
	e := newGraphEnv(t)
	e.load(t, newDataset(t, 20, 5, 3))
	dir := t.TempDir()
	svc := e.engineOn(t, dir, nil, nil, nil)
	ctx := context.Background()
	legacy := engine.DefaultIntegration()
	legacy.Source = e.source(20, false)
	if err := svc.Store().Update(ctx, func(tx store.Tx) error { return tx.PutIntegration(ctx, legacy) }); err != nil {
		t.Fatal(err)
	}
	in, err := svc.Integration(ctx)
	if err != nil {
		t.Fatal(err)
	}
	answered(t, "Integration of a plaintext secret", in, true)
	syncOK(t, svc)
	if _, err := svc.SetIntegration(ctx, in); err != nil {
		t.Fatal(err)
	}
	if g := storedGraph(t, svc); g.ClientSecret != "" || !secret.IsSealed(g.SealedClientSecret) {
		t.Fatalf("stored after a write keeping it: %+v, want it sealed", g)
	}
	e.srv.ExpireTokens()
	syncOK(t, svc)
}

// On PostgreSQL, shared by engines on other hosts, a secret is stored only
// with a key file its operator names: without one the setting is refused
// naming the attribute and the variable, and nothing is stored; with one
// it is sealed, and an engine given the same file syncs with it.
func TestGraphSecretOnPostgresNeedsAKeyFile(t *testing.T) {
	url := pgtest.URL(t)
	t.Setenv(service.SecretKeyFileEnv, "")
	t.Setenv(service.GraphSecretEnv, "")
	e := newGraphEnv(t)
	cfg := e.config()
	cfg.DatabaseURL = url
	svc, err := storeopen.Service(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	ctx := context.Background()
	in := engine.DefaultIntegration()
	in.Source = e.source(20, false)
	_, err = svc.SetIntegration(ctx, in)
	wantRefusedField(t, err, "source.graph.client_secret", service.ErrNoSecretKey)
	if !strings.Contains(err.Error(), service.SecretKeyFileEnv) {
		t.Fatalf("the refusal does not say how to name a key: %v", err)
	}
	if got, err := svc.Integration(ctx); err != nil || got.Source != nil {
		t.Fatalf("after the refusal the engine holds %+v, %v", got, err)
	}

	keyFile := filepath.Join(t.TempDir(), "shared.key")
	t.Setenv(service.SecretKeyFileEnv, keyFile)
	if _, err := svc.SetIntegration(ctx, in); err != nil {
		t.Fatal(err)
	}
	other, err := storeopen.Service(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	syncOK(t, other)
	if e.srv.Stats().TokensIssued == 0 {
		t.Fatal("no token was issued: the secret was not used")
	}
}
