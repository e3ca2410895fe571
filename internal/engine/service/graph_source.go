package service

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph"
	"github.com/idp/terraform-provider-idp/internal/engine/source"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

// The graph source. A sync pulls every managed device (device state is a
// snapshot, not a change feed; devices dedup by lastSyncDateTime), then the
// riskDetections changed since the stored cursor. Each page of detections
// is decoded, validated and quarantined like a file's records and committed
// in one transaction together with the cursor that follows it (see
// graph/cursor.go), so a crash re-reads at most the page in flight and
// dedup absorbs it. With writeback, the users remediation set to high risk
// are then sent to Identity Protection (remediate/writeback.go).

// GraphSecretEnv supplies the client secret when the integration's settings
// hold none, so that it need not be stored.
const GraphSecretEnv = engine.GraphSecretEnv

// graphQuarantineSource names the Graph API in the quarantine. A line there
// is the record's position in its pull, counting from 1 across the pages
// (engine.QuarantineEntry).
const graphQuarantineSource = "graph"

// graphDetectionsCursor names a tenant's detections cursor in the store: a
// new tenant starts from nothing.
func graphDetectionsCursor(tenant string) string { return "graph:detections:" + tenant }

// graphClient builds the Graph client for the integration's source on the
// base configuration of Config.Graph.
func (s *Service) graphClient(src engine.GraphSource) (*graph.Client, error) {
	cfg := s.cfg.Graph
	cfg.TenantID, cfg.ClientID = src.TenantID, src.ClientID
	cfg.AuthorityURL, cfg.GraphURL, cfg.PageSize = src.AuthorityURL, src.GraphURL, src.PageSize
	cfg.AllowHosts = s.allowedGraphHosts()
	secret, err := s.storedGraphSecret(src)
	if err != nil {
		return nil, err
	}
	cfg.ClientSecret = secret
	if cfg.ClientSecret == "" {
		cfg.ClientSecret = os.Getenv(GraphSecretEnv)
	}
	if strings.TrimSpace(cfg.ClientSecret) == "" {
		return nil, fmt.Errorf("%w: graph source: client_secret is required: set it in the source or in %s", engine.ErrInvalid, GraphSecretEnv)
	}
	if cfg.Logger == nil {
		cfg.Logger = s.log
	}
	return graph.New(cfg)
}

// allowedGraphHosts are the hosts besides Microsoft's that a graph source
// may send credentials to: the engine's configuration (engine serve's
// --graph-allowed-host) and graph.AllowedHostsEnv, read at each use like
// GraphSecretEnv. The embedded engine's operator is the user running
// Terraform, whose environment it is.
func (s *Service) allowedGraphHosts() []string {
	return append(slices.Clone(s.cfg.Graph.AllowHosts), graph.ParseAllowedHosts(os.Getenv(graph.AllowedHostsEnv))...)
}

// checkGraphHosts refuses, when the integration is written, a graph
// source whose URLs name a host credentials may not go to; the Graph
// client refuses it again when it is built.
func (s *Service) checkGraphHosts(src *engine.Source) error {
	if src == nil || src.Graph == nil {
		return nil
	}
	allowed := s.allowedGraphHosts()
	for _, u := range []struct{ name, value, def string }{
		{"authority_url", src.Graph.AuthorityURL, graph.DefaultAuthorityURL},
		{"graph_url", src.Graph.GraphURL, graph.DefaultGraphURL},
	} {
		value := u.value
		if value == "" {
			value = u.def
		}
		if err := graph.CheckHost(u.name, value, allowed); err != nil {
			return &engine.FieldError{Field: "source.graph." + u.name, Err: err}
		}
	}
	return nil
}

func (s *Service) syncGraph(ctx context.Context, src engine.GraphSource) (engine.SyncSummary, error) {
	start := time.Now()
	var out engine.SyncSummary
	client, err := s.graphClient(src)
	if err == nil {
		var devices engine.IngestSummary
		devices, err = s.pullGraphDevices(ctx, client)
		out.Ingest.Add(devices)
	}
	if err == nil {
		var detections engine.IngestSummary
		detections, err = s.pullGraphDetections(ctx, client, src.TenantID)
		out.Ingest.Add(detections)
	}
	out.Ingest.ElapsedSeconds = time.Since(start).Seconds()
	if err != nil {
		// Serve's polling has no caller to show the error to.
		s.log.Named("graph").Error("graph sync failed", "read", out.Ingest.Read, "error", err.Error())
		return out, err
	}
	t := out.Ingest
	s.log.Named("graph").Info("graph sync finished", "read", t.Read, "accepted", t.Accepted, "updated", t.Updated,
		"duplicates", t.Duplicates, "quarantined", t.Quarantined, "alerts_created", t.AlertsCreated,
		"alerts_updated", t.AlertsUpdated, "users_remediated", t.UsersRemediated, "seconds", t.ElapsedSeconds)
	if src.Writeback {
		// Ingestion is committed whatever happens here: write-back failures
		// are logged and recorded, and retried by a later sync.
		wb := s.writeBack(ctx, client)
		out.Writeback = &wb
	}
	return out, nil
}

// pullGraphDevices ingests every managed device, a page per transaction.
// There is no cursor: each sync reads all devices, and the unchanged ones
// are duplicates.
func (s *Service) pullGraphDevices(ctx context.Context, client *graph.Client) (engine.IngestSummary, error) {
	src := source.Pages[engine.Device]{Decoder: ingest.NewDeviceDecoder(), MaxRecordBytes: s.cfg.MaxRecordBytes,
		Pull: func(ctx context.Context, page func([][]byte, func() string) error) error {
			return client.PullDevices(ctx, func(records [][]byte) error { return page(records, nil) })
		}}
	return runSource(ctx, s, src, func() *deviceUnit { return s.newDeviceUnit(graphQuarantineSource) }, "", nil)
}

// pullGraphDetections ingests the detections changed since the tenant's
// cursor, each page in one transaction with the cursor that follows it
// (see graph/cursor.go), so a crash re-reads at most the page in flight.
// The policies in effect when the pull starts decide for all its pages, as
// for an ingest.
func (s *Service) pullGraphDetections(ctx context.Context, client *graph.Client, tenant string) (engine.IngestSummary, error) {
	name := graphDetectionsCursor(tenant)
	var cursor string
	err := s.store.View(ctx, func(r store.Reader) error {
		var err error
		cursor, err = r.Cursor(ctx, name)
		return err
	})
	if err != nil {
		return engine.IngestSummary{}, fmt.Errorf("reading the cursor %s: %w", name, err)
	}
	policies, err := s.currentPolicies(ctx)
	if err != nil {
		return engine.IngestSummary{}, err
	}
	src := source.Pages[engine.Detection]{Decoder: ingest.NewDetectionDecoder(), MaxRecordBytes: s.cfg.MaxRecordBytes, KeepRecords: true,
		Pull: func(ctx context.Context, page func([][]byte, func() string) error) error {
			return client.PullDetections(ctx, cursor, func(records [][]byte, next string) error {
				return page(records, func() string { return next })
			})
		}}
	return runSource(ctx, s, src, func() *detectionUnit { return s.newDetectionUnit(graphQuarantineSource, policies) }, name, nil)
}
