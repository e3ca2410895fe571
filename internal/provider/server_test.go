package provider

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/idp/terraform-provider-idp/internal/client"
	"github.com/idp/terraform-provider-idp/internal/engine/service"
	"github.com/idp/terraform-provider-idp/internal/engine/store/storeopen"
	"github.com/idp/terraform-provider-idp/internal/server"
	"github.com/idp/terraform-provider-idp/internal/server/servertest"
)

// testServer is what `terraform-provider-idp engine serve` runs, started
// by a test: server.New over a SQLite store of its own, serving on a real
// loopback listener until the test ends.
type testServer struct {
	URL   string
	token string
	// readToken has the read scope; token is an admin token.
	readToken string
	// caFile is the self-signed certificate, for ca_file; empty over http.
	caFile string
	roots  *x509.CertPool
	// logPath holds the server's log (engine included), at TRACE.
	logPath string
}

type serverOptions struct {
	// plainHTTP serves http instead of https (allowed on loopback).
	plainHTTP bool
	// tune adjusts the engine's configuration.
	tune func(*service.Config)
}

func startServer(t *testing.T, opts serverOptions) *testServer {
	t.Helper()
	dir := t.TempDir()
	s := &testServer{token: randomToken(t), readToken: randomToken(t), logPath: filepath.Join(dir, "server.log")}
	logFile, err := os.Create(s.logPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logFile.Close() })
	log := hclog.New(&hclog.LoggerOptions{Name: "server", Level: hclog.Trace, Output: logFile})

	cfg := service.Config{DataDir: filepath.Join(dir, "store"), Logger: log.Named("engine"), FileSources: servertest.SourceRoots(t, quickstartDir)}
	if opts.tune != nil {
		opts.tune(&cfg)
	}
	ctx := context.Background()
	svc, err := storeopen.Service(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := server.NewTokens([]string{s.token, "read:" + s.readToken})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Config{Service: svc, Tokens: tokens, Logger: log, ShutdownTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var tlsConfig *tls.Config
	scheme := "http"
	if !opts.plainHTTP {
		var keyFile string
		s.caFile, keyFile, s.roots = servertest.SelfSigned(t)
		if tlsConfig, err = server.TLSConfig(s.caFile, keyFile); err != nil {
			t.Fatal(err)
		}
		scheme = "https"
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.URL = scheme + "://" + ln.Addr().String()

	serveCtx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(serveCtx, ln, tlsConfig) }()
	t.Cleanup(func() {
		stop()
		if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("engine serve: %v", err)
		}
		svc.Close()
	})
	return s
}

func randomToken(t *testing.T) string {
	t.Helper()
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "acc-" + hex.EncodeToString(b)
}

// providerBlock reaches the server with its token (and CA, over https).
func (s *testServer) providerBlock() string {
	block := fmt.Sprintf("provider \"idp\" {\n  endpoint = %q\n  token    = %q\n", s.URL, s.token)
	if s.caFile != "" {
		block += fmt.Sprintf("  ca_file  = %q\n", s.caFile)
	}
	return block + "}\n"
}

// client is a remote client of the server, as another Terraform
// configuration or a script would have.
func (s *testServer) client() (client.Client, error) {
	cfg := client.RemoteConfig{Endpoint: s.URL, Token: s.token}
	if s.roots != nil {
		cfg.TLSConfig = &tls.Config{RootCAs: s.roots, MinVersion: tls.VersionTLS12}
	}
	return client.NewRemote(cfg)
}

// log is what the server has logged so far.
func (s *testServer) log(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
