// Package storeopen chooses the store backend, so that the service, which
// only knows the Store interface, imports neither of them: PostgreSQL when
// a database URL is set, SQLite in the data directory otherwise.
package storeopen

import (
	"context"

	"github.com/hashicorp/go-hclog"

	"github.com/idp/terraform-provider-idp/internal/engine/service"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
	"github.com/idp/terraform-provider-idp/internal/engine/store/postgres"
	"github.com/idp/terraform-provider-idp/internal/engine/store/sqlite"
)

// Open opens PostgreSQL at databaseURL when it is set, else the SQLite
// database in dataDir (service.DefaultDataDir when empty). A nil logger
// logs nothing.
func Open(ctx context.Context, dataDir, databaseURL string, logger hclog.Logger) (store.Store, error) {
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	if databaseURL != "" {
		return postgres.Open(ctx, databaseURL, postgres.Options{Logger: logger.Named("store")})
	}
	if dataDir == "" {
		dataDir = service.DefaultDataDir
	}
	return sqlite.Open(ctx, dataDir, sqlite.Options{})
}

// Service opens the store cfg names (its DataDir and DatabaseURL) and
// returns the engine on it: what the command line, the embedded client and
// most tests want in one call.
func Service(ctx context.Context, cfg service.Config) (*service.Service, error) {
	st, err := Open(ctx, cfg.DataDir, cfg.DatabaseURL, cfg.Logger)
	if err != nil {
		return nil, err
	}
	return service.New(st, cfg), nil
}
