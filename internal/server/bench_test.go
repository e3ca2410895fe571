package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/service"
	"github.com/idp/terraform-provider-idp/internal/engine/store/postgres/pgtest"
	"github.com/idp/terraform-provider-idp/internal/engine/store/storeopen"
	"github.com/idp/terraform-provider-idp/internal/generate"
	"github.com/idp/terraform-provider-idp/internal/server"
	"github.com/idp/terraform-provider-idp/internal/server/servertest"
)

// BenchmarkPushIngest measures push-ingest through the HTTP API: one POST
// /v1/detections of 200,000 generated records (about 200 MB) into a new
// store, received, spooled, ingested and answered. The same input through
// `engine ingest` is service.BenchmarkIngest (SQLite) and
// postgres.BenchmarkIngest.
func BenchmarkPushIngest(b *testing.B) {
	const records = 200_000
	var input bytes.Buffer
	if err := generate.Detections(&input, generate.Options{Records: records, Seed: 1, UpdateEvery: 20, StaleEvery: 50}); err != nil {
		b.Fatal(err)
	}
	// cfg returns a new store's configuration and what drops it.
	stores := []struct {
		name string
		cfg  func(b *testing.B) (service.Config, func())
	}{
		{"sqlite", func(b *testing.B) (service.Config, func()) { return service.Config{DataDir: b.TempDir()}, func() {} }},
		{"postgres", func(b *testing.B) (service.Config, func()) {
			url, drop := pgtest.New(b)
			return service.Config{DatabaseURL: url}, drop
		}},
	}
	for _, st := range stores {
		b.Run(st.name, func(b *testing.B) {
			if st.name == "postgres" && os.Getenv(pgtest.EnvURL) == "" {
				b.Skip("no PostgreSQL")
			}
			b.SetBytes(int64(input.Len()))
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				cfg, drop := st.cfg(b)
				cfg.FileSources = servertest.SourceRoots(b)
				svc, err := storeopen.Service(context.Background(), cfg)
				if err != nil {
					b.Fatal(err)
				}
				tokens, _ := server.NewTokens([]string{tokenA})
				srv, _ := server.New(server.Config{Service: svc, Tokens: tokens})
				ts := httptest.NewServer(srv.Handler())
				req, _ := http.NewRequest(http.MethodPost, ts.URL+"/v1/detections", bytes.NewReader(input.Bytes()))
				req.Header.Set("Authorization", "Bearer "+tokenA)
				b.StartTimer()
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				var sum engine.IngestSummary
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				b.StopTimer()
				if err := json.Unmarshal(body, &sum); err != nil || sum.Read != records {
					b.Fatalf("push: %s", body)
				}
				ts.Close()
				svc.Close()
				drop()
			}
			b.ReportMetric(float64(records*b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}
