package client

import (
	"context"
	"io"

	"github.com/hashicorp/go-hclog"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/service"
	"github.com/idp/terraform-provider-idp/internal/engine/store/storeopen"
)

// EmbeddedConfig chooses the store of an in-process engine.
type EmbeddedConfig struct {
	// DataDir holds the SQLite database (default .idp).
	DataDir string
	// DatabaseURL selects PostgreSQL instead.
	DatabaseURL string
	Logger      hclog.Logger
}

// Embedded runs the engine in-process.
type Embedded struct {
	svc *service.Service
}

var _ Client = (*Embedded)(nil)

// NewEmbedded opens the engine's store.
func NewEmbedded(ctx context.Context, cfg EmbeddedConfig) (*Embedded, error) {
	svc, err := storeopen.Service(ctx, service.Config{DataDir: cfg.DataDir, DatabaseURL: cfg.DatabaseURL, Logger: cfg.Logger})
	if err != nil {
		return nil, err
	}
	return &Embedded{svc: svc}, nil
}

// NewEmbeddedService wraps an engine that is already open.
func NewEmbeddedService(svc *service.Service) *Embedded { return &Embedded{svc: svc} }

func (e *Embedded) Integration(ctx context.Context) (engine.Integration, error) {
	return e.svc.Integration(ctx)
}

func (e *Embedded) CreateIntegration(ctx context.Context, in engine.Integration) (engine.Integration, error) {
	return e.svc.WriteIntegration(ctx, in, engine.ClaimNew)
}

func (e *Embedded) SetIntegration(ctx context.Context, in engine.Integration) (engine.Integration, error) {
	return e.svc.WriteIntegration(ctx, in, engine.ClaimHold)
}

func (e *Embedded) ResetIntegration(ctx context.Context) error { return e.svc.ResetIntegration(ctx) }

func (e *Embedded) Policy(ctx context.Context, id string) (engine.Policy, error) {
	return e.svc.Policy(ctx, id)
}

func (e *Embedded) Policies(ctx context.Context) ([]engine.Policy, error) { return e.svc.Policies(ctx) }

func (e *Embedded) PutPolicy(ctx context.Context, p engine.Policy) (engine.Policy, error) {
	return e.svc.WritePolicy(ctx, p, engine.ClaimHold)
}

func (e *Embedded) CreatePolicy(ctx context.Context, p engine.Policy) (engine.Policy, error) {
	return e.svc.CreatePolicy(ctx, p)
}

func (e *Embedded) DeletePolicy(ctx context.Context, id string) error {
	return e.svc.DeletePolicy(ctx, id)
}

func (e *Embedded) Alerts(ctx context.Context, q engine.AlertQuery) (engine.AlertPage, error) {
	return e.svc.Alerts(ctx, q)
}

func (e *Embedded) Status(ctx context.Context) (engine.Status, error) { return e.svc.Status(ctx) }

func (e *Embedded) Sync(ctx context.Context) (engine.SyncSummary, error) {
	return e.svc.SyncDetailed(ctx)
}

func (e *Embedded) IngestDetections(ctx context.Context, r io.Reader, source string) (engine.IngestSummary, error) {
	return e.svc.IngestDetections(ctx, r, service.IngestOptions{Source: source})
}

func (e *Embedded) IngestDevices(ctx context.Context, r io.Reader, source string) (engine.IngestSummary, error) {
	return e.svc.IngestDevices(ctx, r, service.IngestOptions{Source: source})
}

func (e *Embedded) Users(ctx context.Context, page engine.Page) (engine.UserPage, error) {
	return e.svc.Users(ctx, page)
}

func (e *Embedded) Remediations(ctx context.Context, page engine.Page) (engine.RemediationPage, error) {
	return e.svc.Remediations(ctx, page)
}

func (e *Embedded) Quarantine(ctx context.Context, q engine.QuarantineQuery) (engine.QuarantinePage, error) {
	return e.svc.Quarantine(ctx, q)
}

func (e *Embedded) QuarantineText(ctx context.Context, id int64, w io.Writer) error {
	return e.svc.QuarantineText(ctx, id, func(engine.QuarantineEntry) (io.Writer, error) { return w, nil })
}

// Remote is false: the engine runs in this process.
func (e *Embedded) Remote() bool { return false }

func (e *Embedded) Close() error { return e.svc.Close() }
