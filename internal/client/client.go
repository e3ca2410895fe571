// Package client is the one door from the Terraform provider to the engine.
// Embedded runs the engine in-process; Remote talks to `engine serve`.
package client

import (
	"context"
	"io"

	"github.com/idp/terraform-provider-idp/internal/api"
	"github.com/idp/terraform-provider-idp/internal/engine"
)

// Client is everything the provider asks of the engine. Errors wrap
// engine.ErrNotFound, engine.ErrInvalid and engine.ErrDisabled so that
// callers can tell them apart with errors.Is, whichever implementation
// answered.
type Client interface {
	// Integration returns the singleton's settings (the defaults until set).
	Integration(ctx context.Context) (engine.Integration, error)
	// CreateIntegration claims the singleton for the caller and stores the
	// settings; engine.ErrAlreadyExists when a Terraform resource already
	// manages it.
	CreateIntegration(ctx context.Context, in engine.Integration) (engine.Integration, error)
	// SetIntegration validates and stores the settings, holding the claim
	// (an update after an import takes it over), and returns them as
	// stored.
	SetIntegration(ctx context.Context, in engine.Integration) (engine.Integration, error)
	// ResetIntegration restores the defaults and releases the claim; alerts
	// are left alone.
	ResetIntegration(ctx context.Context) error

	// Policy returns one policy by ID (the type of a built-in, the name of a
	// custom policy); engine.ErrNotFound when no such policy exists.
	Policy(ctx context.Context, id string) (engine.Policy, error)
	// Policies lists every policy, built-ins first.
	Policies(ctx context.Context) ([]engine.Policy, error)
	// PutPolicy validates, fills defaults and stores a policy, creating a
	// custom one when it is new and holding a built-in's claim.
	PutPolicy(ctx context.Context, p engine.Policy) (engine.Policy, error)
	// CreatePolicy validates, fills defaults and stores a new custom
	// policy, or claims and tunes a built-in; engine.ErrAlreadyExists when
	// the name is taken or the built-in is managed already, so that two
	// configurations never silently share one policy.
	CreatePolicy(ctx context.Context, p engine.Policy) (engine.Policy, error)
	// DeletePolicy restores a built-in's defaults and releases its claim,
	// or deletes a custom policy (engine.ErrNotFound when it does not
	// exist).
	DeletePolicy(ctx context.Context, id string) error

	// Alerts answers a query from what the engine has already processed.
	// It never processes anything itself: reads are what Terraform's plan
	// and refresh do, and they must change nothing.
	Alerts(ctx context.Context, q engine.AlertQuery) (engine.AlertPage, error)
	// Status says when the configured source was last processed and
	// whether the store was ever configured; it only reads.
	Status(ctx context.Context) (engine.Status, error)
	// Sync processes the configured source once, from its cursor: the one
	// call that ingests, alerts and remediates on the source's behalf.
	Sync(ctx context.Context) (engine.SyncSummary, error)
	// IngestDetections and IngestDevices process a pushed batch (NDJSON or
	// Graph pages); source names it in the quarantine.
	IngestDetections(ctx context.Context, r io.Reader, source string) (engine.IngestSummary, error)
	IngestDevices(ctx context.Context, r io.Reader, source string) (engine.IngestSummary, error)

	// Users, Remediations and Quarantine answer a page (Limit 0: all of
	// it; the remote client then reads page after page, as the server
	// answers at most a page a request).
	Users(ctx context.Context, page engine.Page) (engine.UserPage, error)
	Remediations(ctx context.Context, page engine.Page) (engine.RemediationPage, error)
	// Quarantine lists entries with the start of their text (the remote
	// client gets at most api.MaxListedRawBytes of each);
	// QuarantineText writes one entry's whole text to w, streamed.
	Quarantine(ctx context.Context, q engine.QuarantineQuery) (engine.QuarantinePage, error)
	QuarantineText(ctx context.Context, id int64, w io.Writer) error

	// ValidateIntegration refuses what SetIntegration would refuse before
	// it stores anything, and stores nothing: the engine's rules (in
	// remote mode, the server's: its source roots, the hosts it lets
	// credentials go to). A plan asks it, so it reads and writes nothing.
	ValidateIntegration(ctx context.Context, in engine.Integration) error
	// ValidatePolicy fills a policy's defaults and validates it as
	// PutPolicy would (a custom condition compiled), storing nothing.
	ValidatePolicy(ctx context.Context, p engine.Policy) (engine.Policy, error)
	// TestPolicy runs inline tests against a policy as configured, each
	// detection judged alone; one result per test, in order.
	TestPolicy(ctx context.Context, p engine.Policy, tests []engine.PolicyTest) ([]engine.PolicyTestResult, error)
	// PolicyDefaults is the configuration a new policy of a type has,
	// its aggregation window following groupBy ("" the type's own);
	// engine.ErrNotFound for a type the engine does not know.
	PolicyDefaults(ctx context.Context, typ, groupBy string) (engine.Policy, error)
	// Version is the engine's release and API versions: the server's in
	// remote mode; in-process, this build's API version and no release.
	Version(ctx context.Context) (api.Version, error)

	// Remote reports whether the engine runs behind `engine serve`, where
	// whatever names files (source paths) names the server's, and its
	// rules, not this binary's, decide what is valid.
	Remote() bool

	Close() error
}
