// Package client is the one door from the Terraform provider to the engine.
// Embedded runs the engine in-process; Remote talks to `engine serve`.
package client

import (
	"context"
	"io"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

// Client is everything the provider asks of the engine. Errors wrap
// engine.ErrNotFound, engine.ErrInvalid and engine.ErrDisabled so that
// callers can tell them apart with errors.Is, whichever implementation
// answered.
type Client interface {
	// Integration returns the singleton's settings (the defaults until set).
	Integration(ctx context.Context) (engine.Integration, error)
	// SetIntegration validates and stores the settings, returning them as
	// stored.
	SetIntegration(ctx context.Context, in engine.Integration) (engine.Integration, error)
	// ResetIntegration restores the defaults; alerts are left alone.
	ResetIntegration(ctx context.Context) error

	// Policy returns one policy by ID (the type of a built-in, the name of a
	// custom policy); engine.ErrNotFound when no such policy exists.
	Policy(ctx context.Context, id string) (engine.Policy, error)
	// Policies lists every policy, built-ins first.
	Policies(ctx context.Context) ([]engine.Policy, error)
	// PutPolicy validates, fills defaults and stores a policy, creating a
	// custom one when it is new.
	PutPolicy(ctx context.Context, p engine.Policy) (engine.Policy, error)
	// CreatePolicy validates, fills defaults and stores a new custom
	// policy; engine.ErrAlreadyExists when its name is taken, so that two
	// configurations never silently share one policy.
	CreatePolicy(ctx context.Context, p engine.Policy) (engine.Policy, error)
	// DeletePolicy restores a built-in's defaults or deletes a custom
	// policy (engine.ErrNotFound when it does not exist).
	DeletePolicy(ctx context.Context, id string) error

	// Alerts answers a query; it first processes what the integration's
	// configured source holds beyond its cursor.
	Alerts(ctx context.Context, q engine.AlertQuery) (engine.AlertPage, error)
	// Sync processes the configured source once, from its cursor.
	Sync(ctx context.Context) (engine.IngestSummary, error)
	// IngestDetections and IngestDevices process a pushed batch (NDJSON or
	// Graph pages); source names it in the quarantine.
	IngestDetections(ctx context.Context, r io.Reader, source string) (engine.IngestSummary, error)
	IngestDevices(ctx context.Context, r io.Reader, source string) (engine.IngestSummary, error)

	Users(ctx context.Context) ([]engine.User, error)
	Remediations(ctx context.Context) ([]engine.Remediation, error)
	Quarantine(ctx context.Context) ([]engine.QuarantineEntry, error)

	Close() error
}
