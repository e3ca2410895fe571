package postgres_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/idp/terraform-provider-idp/internal/engine/service"
	"github.com/idp/terraform-provider-idp/internal/engine/store/postgres/pgtest"
	"github.com/idp/terraform-provider-idp/internal/engine/store/storeopen"
	"github.com/idp/terraform-provider-idp/internal/generate"
)

// BenchmarkIngest is service.BenchmarkIngest on PostgreSQL: end-to-end
// ingest of 200,000 generated detections into a new database, in one
// process.
func BenchmarkIngest(b *testing.B) {
	var input bytes.Buffer
	const records = 200_000
	if err := generate.Detections(&input, generate.Options{Records: records, Seed: 1, UpdateEvery: 20, StaleEvery: 50}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(input.Len()))
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		url, drop := pgtest.New(b)
		svc, err := storeopen.Service(context.Background(), service.Config{DatabaseURL: url})
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
		drop()
	}
	b.ReportMetric(float64(records*b.N)/b.Elapsed().Seconds(), "records/s")
}
