// Package service is the engine as one object: a store, a clock and a
// logger, with every operation the command line, the provider and the
// server call. It wires the other engine packages together and keeps no
// state of its own between calls, so several processes on one database
// behave like one.
package service

import (
	"sync"

	"github.com/hashicorp/go-hclog"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest/filesource"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph"
	"github.com/idp/terraform-provider-idp/internal/engine/secret"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

// Config tunes the engine; zero values take defaults. DataDir and
// DatabaseURL also name the store that storeopen opens for it.
type Config struct {
	// DataDir holds the SQLite database (default ".idp").
	DataDir string
	// DatabaseURL selects PostgreSQL instead of SQLite when set; the
	// service reads it only to place its secret key (secrets.go).
	DatabaseURL string
	Clock       engine.Clock
	Logger      hclog.Logger
	// MaxRecordBytes is the size above which a record is quarantined.
	MaxRecordBytes int
	// MaxKeptRecordBytes bounds what the quarantine keeps of one oversize
	// record (default ingest.DefaultMaxKeptBytes): the first that many
	// bytes, with the record's size and SHA-256 in the reason.
	MaxKeptRecordBytes int64
	// TxRecords is how many records one transaction commits. Larger
	// transactions ingest faster (sorted writes touch each page once) and
	// hold more memory.
	TxRecords int
	// FileSources says which files a file source may name. The zero value
	// is any regular file the process can read: the embedded engine and
	// the command line act with their user's privileges. engine serve
	// restricts them to its source roots.
	FileSources filesource.Access
	// SecretKeyFile seals the secrets the store keeps (secrets.go); empty:
	// SecretKeyFileEnv, else secret.key in DataDir.
	SecretKeyFile string
	// Graph is the base of the Microsoft Graph client's configuration: the
	// rate limit, retries, backoff, HTTP client. The integration's graph
	// source fills in the tenant, credentials, URLs and page size; zero
	// values keep the client's defaults, and a nil Logger logs under
	// Logger.
	Graph graph.Config
}

// DefaultDataDir is where the embedded store lives when nothing is set.
const DefaultDataDir = engine.DefaultDataDir

// Service is the engine.
type Service struct {
	store store.Store
	clock engine.Clock
	log   hclog.Logger
	cfg   Config
	// syncing holds one token: syncs of one process take turns, since two
	// at once would read the same records twice (harmless, as ingest is
	// idempotent, but wasted, and their summaries would mislead). Processes
	// sharing a store may still overlap; dedup absorbs that.
	syncing chan struct{}

	// key seals and opens stored secrets, loaded on first use.
	keyMu sync.Mutex
	key   *secret.Key
}

// New returns the engine on an open store.
func New(st store.Store, cfg Config) *Service {
	cfg = withDefaults(cfg)
	return &Service{store: st, clock: cfg.Clock, log: cfg.Logger, cfg: cfg, syncing: make(chan struct{}, 1)}
}

func withDefaults(cfg Config) Config {
	if cfg.DataDir == "" {
		cfg.DataDir = DefaultDataDir
	}
	if cfg.Clock == nil {
		cfg.Clock = engine.SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = hclog.NewNullLogger()
	}
	if cfg.TxRecords <= 0 {
		cfg.TxRecords = 50_000
	}
	return cfg
}

// Store exposes the store, for tests and the server's readiness check.
func (s *Service) Store() store.Store { return s.store }

// FileSources is the engine's rule for the files a file source may name.
func (s *Service) FileSources() filesource.Access { return s.cfg.FileSources }

// Close closes the store.
func (s *Service) Close() error { return s.store.Close() }
