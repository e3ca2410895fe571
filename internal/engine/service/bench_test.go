package service_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/idp/terraform-provider-idp/internal/engine/service"
	"github.com/idp/terraform-provider-idp/internal/engine/store/storeopen"
	"github.com/idp/terraform-provider-idp/internal/generate"
)

// BenchmarkIngest measures end-to-end ingest (decode, validate, dedup,
// policies, alerts, store) of generated detections into a new SQLite store.
// `make bench` measures the same through the command line at 1,000,000
// records, against jq.
func BenchmarkIngest(b *testing.B) {
	var input bytes.Buffer
	const records = 200_000
	if err := generate.Detections(&input, generate.Options{Records: records, Seed: 1, UpdateEvery: 20, StaleEvery: 50}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(input.Len()))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		svc, err := storeopen.Service(context.Background(), service.Config{DataDir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		sum, err := svc.IngestDetections(context.Background(), bytes.NewReader(input.Bytes()), service.IngestOptions{Source: "bench"})
		if err != nil || sum.Read != records {
			b.Fatalf("ingest: %+v, %v", sum, err)
		}
		b.StopTimer()
		svc.Close()
	}
	b.ReportMetric(float64(records*b.N)/b.Elapsed().Seconds(), "records/s")
}
