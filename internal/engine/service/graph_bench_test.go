package service_test

import (
	"context"
	"strings"
	"testing"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph/graphtest"
	"github.com/idp/terraform-provider-idp/internal/engine/service"
	"github.com/idp/terraform-provider-idp/internal/engine/store/sqlite"
	"github.com/idp/terraform-provider-idp/internal/generate"
)

// benchGraphSync measures whole syncs of records detections (pages of
// 500) into a new SQLite store: pull, decode, dedup, policies, alerts,
// remediation and commits, the devices of the same users first.
func benchGraphSync(b *testing.B, records int, cfg graph.Config, behavior graphtest.Behavior) {
	srv := graphtest.NewServer(gTenant, gClient, gSecret)
	defer srv.Close()
	var det, dev strings.Builder
	opts := generate.Options{Records: records, Seed: 1, Users: 2000}
	if err := generate.Detections(&det, opts); err != nil {
		b.Fatal(err)
	}
	if err := generate.Devices(&dev, opts); err != nil {
		b.Fatal(err)
	}
	if err := srv.LoadDetections(strings.NewReader(det.String())); err != nil {
		b.Fatal(err)
	}
	if err := srv.LoadDevices(strings.NewReader(dev.String())); err != nil {
		b.Fatal(err)
	}
	srv.SetBehavior(behavior)
	cfg.AllowHosts = []string{srv.Host()}
	in := engine.DefaultIntegration()
	in.Source = &engine.Source{Graph: &engine.GraphSource{
		TenantID: gTenant, ClientID: gClient, ClientSecret: gSecret, AuthorityURL: srv.URL, GraphURL: srv.URL,
	}}
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		dir := b.TempDir()
		st, err := sqlite.Open(ctx, dir, sqlite.Options{})
		if err != nil {
			b.Fatal(err)
		}
		svc := service.New(st, service.Config{DataDir: dir, Graph: cfg})
		if _, err := svc.SetIntegration(ctx, in); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		sum, err := svc.Sync(ctx)
		b.StopTimer()
		if err != nil || sum.Accepted < int64(records) {
			b.Fatalf("sync: %+v, %v", sum, err)
		}
		svc.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(records*b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/sync")
	b.ReportMetric(float64(srv.Stats().Throttled)/float64(b.N), "429s/sync")
}

// BenchmarkGraphSync: 20,000 detections with no rate limit anywhere, the
// cost of the engine, the client and the test server.
func BenchmarkGraphSync(b *testing.B) {
	benchGraphSync(b, 20_000, graph.Config{RequestsPerSecond: -1}, graphtest.Behavior{})
}

// BenchmarkGraphSyncRateLimited: 10,000 detections at Identity Protection's
// pace, the client's default one request a second against a server that
// throttles beyond it. About 22 s a sync (21 pages and the devices); run it
// with -benchtime=1x.
func BenchmarkGraphSyncRateLimited(b *testing.B) {
	benchGraphSync(b, 10_000, graph.Config{}, graphtest.Behavior{RequestsPerSecond: 1})
}
