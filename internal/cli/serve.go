package cli

import (
	"context"
	"errors"
	"flag"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph"
	"github.com/idp/terraform-provider-idp/internal/engine/service"
	"github.com/idp/terraform-provider-idp/internal/engine/store/storeopen"
	"github.com/idp/terraform-provider-idp/internal/server"
)

// DefaultListen is where `engine serve` listens when --listen is not given:
// loopback, so that a first run never exposes plain HTTP.
const DefaultListen = "127.0.0.1:8443"

// serveFlags are the flags of `engine serve`.
type serveFlags struct {
	commonFlags
	listen, tokenFile, tlsCert, tlsKey string
	insecure, publicMetrics            bool
	pollInterval, shutdownTimeout      time.Duration
	maxBodyBytes                       int64
	logFormat, logLevel                string
	sourceRoots, graphHosts            stringList
	secretKeyFile                      string
}

func (f *serveFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&f.listen, "listen", DefaultListen, "address to listen on (host:port)")
	fs.StringVar(&f.tokenFile, "token-file", "", "file of API tokens (mode 0600), one a line: read:TOKEN, admin:TOKEN, or a bare TOKEN (admin); several for rotation, # comments; IDP_TOKENS adds comma-separated ones")
	fs.StringVar(&f.tlsCert, "tls-cert", "", "TLS certificate (PEM)")
	fs.StringVar(&f.tlsKey, "tls-key", "", "TLS private key (PEM)")
	fs.BoolVar(&f.insecure, "insecure", false, "allow plain HTTP on a non-loopback address (behind a TLS-terminating proxy)")
	fs.BoolVar(&f.publicMetrics, "public-metrics", false, "serve /metrics without a token (by default it needs one, of any scope)")
	fs.DurationVar(&f.pollInterval, "poll-interval", 30*time.Second, "how often to pull the integration's configured source (0: never)")
	fs.Int64Var(&f.maxBodyBytes, "max-body-bytes", server.DefaultMaxBodyBytes, "largest pushed batch accepted, in bytes")
	f.defineTxRecords(fs, "records committed per transaction by pulls and pushes (default 50000)")
	fs.DurationVar(&f.shutdownTimeout, "shutdown-timeout", server.DefaultShutdownTimeout, "how long SIGTERM may take: in-flight requests get it less a fifth (5s at most), then are cancelled")
	fs.StringVar(&f.logFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&f.logLevel, "log-level", "info", "log level: trace, debug, info, warn or error")
	fs.Var(&f.sourceRoots, "source-root", "a directory whose files file sources may read (repeatable; "+SourceRootsEnv+" adds more); none: file sources are refused")
	fs.StringVar(&f.secretKeyFile, "secret-key-file", "", "key file that seals the secrets the store keeps (default $"+service.SecretKeyFileEnv+"; with SQLite, else secret.key in the data directory, created on first use)")
	fs.Var(&f.graphHosts, "graph-allowed-host", "a host besides Microsoft's cloud endpoints that a graph source may send credentials to (repeatable; "+graph.AllowedHostsEnv+" adds more)")
}

func init() {
	register(command{
		name:    "serve",
		summary: "serve the engine's HTTP API for remote mode (authenticated, TLS)",
		usage: "[--listen ADDR] [--token-file FILE] [--tls-cert FILE --tls-key FILE] [--insecure] [--public-metrics] [--poll-interval D] " +
			"[--source-root DIR]... [--graph-allowed-host HOST]... [--secret-key-file FILE] " +
			"[--max-body-bytes N] [--tx-records N] [--shutdown-timeout D] [--log-format text|json] [--log-level LEVEL]",
	}, runServe)
}

func runServe(ctx context.Context, c *invocation, f *serveFlags) error {
	if err := c.noArgs(); err != nil {
		return err
	}
	if f.logFormat != "text" && f.logFormat != "json" {
		return usagef("--log-format must be text or json, not %q", f.logFormat)
	}
	level := hclog.LevelFromString(f.logLevel)
	if level == hclog.NoLevel {
		return usagef("--log-level must be trace, debug, info, warn or error, not %q", f.logLevel)
	}
	if f.maxBodyBytes <= 0 {
		return usagef("--max-body-bytes must be positive")
	}
	if f.txRecords < 0 {
		return usagef("--tx-records must be positive")
	}
	if f.pollInterval < 0 {
		return usagef("--poll-interval must be 0 (never) or more")
	}
	root := hclog.New(&hclog.LoggerOptions{Level: level, JSONFormat: f.logFormat == "json", Output: c.env.Stderr})
	log := root.Named("server")

	readTokens := func() ([]string, error) { return server.ReadTokens(f.tokenFile, c.env.Getenv("IDP_TOKENS")) }
	list, err := readTokens()
	if errors.Is(err, server.ErrNoTokens) || errors.Is(err, server.ErrBadToken) || errors.Is(err, server.ErrLooseTokenFile) {
		return usagef("%s", err)
	}
	if err != nil {
		return err
	}
	tokens, err := server.NewTokens(list)
	if err != nil {
		return err
	}
	tlsConfig, err := server.TLSConfig(f.tlsCert, f.tlsKey)
	if err != nil {
		return err
	}
	if err := server.CheckListen(ctx, f.listen, tlsConfig != nil, f.insecure); err != nil {
		if errors.Is(err, server.ErrPlaintextExposed) {
			return usagef("%s", err)
		}
		return err
	}
	if tlsConfig == nil && f.insecure {
		log.Warn("serving plain HTTP (--insecure): tokens and detections cross the network in the clear unless a proxy terminates TLS")
	}

	access, err := sourceAccess(f.sourceRoots, c.env.Getenv(SourceRootsEnv))
	if err != nil {
		return err
	}
	if len(access.Roots) == 0 {
		log.Info("no source root is configured: file sources are refused (--source-root, " + SourceRootsEnv + ")")
	} else {
		log.Info("file sources may read under the source roots", "roots", access.Roots)
	}
	svc, err := storeopen.Service(ctx, service.Config{DataDir: c.dataDir, DatabaseURL: c.databaseURL, Logger: root.Named("engine"),
		TxRecords: f.txRecords, FileSources: access, Graph: graph.Config{AllowHosts: f.graphHosts}, SecretKeyFile: f.secretKeyFile})
	if err != nil {
		return err
	}
	defer svc.Close()
	srv, err := server.New(server.Config{Service: svc, Tokens: tokens, Logger: log, MaxBodyBytes: f.maxBodyBytes,
		PollInterval: f.pollInterval, ShutdownTimeout: f.shutdownTimeout, PublicMetrics: f.publicMetrics, Version: c.env.Version})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return err
	}
	scheme := "http"
	if tlsConfig != nil {
		scheme = "https"
	}
	log.Info("the console is at "+scheme+"://"+ln.Addr().String()+"/: sign in with an API token", "address", ln.Addr().String())

	// SIGHUP re-reads the tokens: rotation without a restart.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				list, err := readTokens()
				if err == nil {
					err = tokens.Set(list)
				}
				if err != nil {
					log.Error("reloading the tokens failed; the old ones stay", "error", err)
					continue
				}
				log.Info("tokens reloaded", "count", len(list))
			}
		}
	}()
	return srv.Serve(ctx, ln, tlsConfig)
}
