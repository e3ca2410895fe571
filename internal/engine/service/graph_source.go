package service

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

// The graph source. A sync pulls every managed device (device state is a
// snapshot, not a change feed; devices dedup by lastSyncDateTime), then the
// riskDetections changed since the stored cursor. Each page of detections
// is decoded, validated and quarantined like a file's records and committed
// in one transaction together with the cursor that follows it (see
// graph/cursor.go), so a crash re-reads at most the page in flight and
// dedup absorbs it. With writeback, the users remediation set to high risk
// are then sent to Identity Protection (graph_writeback.go).

// GraphSecretEnv supplies the client secret when the integration's settings
// hold none, so that it need not be stored.
const GraphSecretEnv = "IDP_GRAPH_CLIENT_SECRET"

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
	cfg.ClientSecret = src.ClientSecret
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
	p := &graphPages[engine.Device]{s: s, dec: ingest.NewDeviceDecoder(),
		newUnit: func() unit[engine.Device] { return s.newDeviceUnit(graphQuarantineSource) }}
	err := client.PullDevices(ctx, func(records [][]byte) error {
		return p.ingest(ctx, records, IngestOptions{Source: graphQuarantineSource})
	})
	return p.total, err
}

// pullGraphDetections ingests the detections changed since the tenant's
// cursor, each page in one transaction with the cursor that follows it.
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
	p := &graphPages[engine.Detection]{s: s, dec: ingest.NewDetectionDecoder(),
		newUnit: func() unit[engine.Detection] { return s.newDetectionUnit(graphQuarantineSource, policies) }}
	err = client.PullDetections(ctx, cursor, func(records [][]byte, next string) error {
		return p.ingest(ctx, records, IngestOptions{Source: graphQuarantineSource, cursor: name, cursorAt: func(int64) string { return next }})
	})
	return p.total, err
}

// graphPages ingests the pages of one pull, each as one unit, numbering
// the records on from page to page and adding up what was committed.
type graphPages[T any] struct {
	s       *Service
	dec     ingest.Decoder[T]
	newUnit func() unit[T]
	read    int64 // records handed over so far: the line of a record is its number in the pull
	total   engine.IngestSummary
}

func (p *graphPages[T]) ingest(ctx context.Context, records [][]byte, opts IngestOptions) error {
	sum, err := ingestRecords(ctx, p.s, records, p.read+1, opts, p.dec, p.newUnit())
	p.read += int64(len(records))
	if err != nil {
		return err
	}
	p.total.Add(sum)
	return nil
}
