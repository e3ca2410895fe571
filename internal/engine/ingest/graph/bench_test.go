package graph_test

import (
	"context"
	"testing"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph/graphtest"
)

const benchRecords = 10_000

func benchPull(b *testing.B, clientRate float64, behavior graphtest.Behavior) {
	f := newFixture(b, func(c *graph.Config) {
		c.RequestsPerSecond = clientRate
		c.Sleep = nil // really wait: throttling is part of what is measured
		c.Logger = nil
	})
	f.srv.SetBehavior(behavior)
	if err := f.srv.AddDetections(detections(benchRecords)...); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		n := 0
		err := f.client.PullDetections(context.Background(), "", func(records [][]byte, _ string) error {
			n += len(records)
			return nil
		})
		if err != nil || n != benchRecords {
			b.Fatalf("pulled %d records: %v", n, err)
		}
	}
	elapsed := time.Since(start)
	b.ReportMetric(float64(benchRecords*b.N)/elapsed.Seconds(), "records/s")
	b.ReportMetric(elapsed.Seconds()/float64(b.N), "s/pull")
	b.ReportMetric(float64(f.srv.Stats().Throttled)/float64(b.N), "429s/pull")
}

// Pull throughput against graphtest with no rate limit anywhere: the cost
// of the client and the test server, 10,000 records in pages of 500.
func BenchmarkPullDetections(b *testing.B) {
	benchPull(b, -1, graphtest.Behavior{})
}

// A pull of 10,000 records at Identity Protection's pace: the client's
// default 1 request/s against a server that throttles beyond 1/s. About
// 21 s a pull (21 requests); run it with -benchtime=1x.
func BenchmarkPullDetectionsRateLimited(b *testing.B) {
	benchPull(b, graph.DefaultRequestsPerSecond, graphtest.Behavior{RequestsPerSecond: 1})
}
