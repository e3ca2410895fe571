package ingest

import (
	"bytes"
	"context"
	"testing"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/generate"
)

func generatedLines(b *testing.B, n int) ([][]byte, int64) {
	var buf bytes.Buffer
	if err := generate.Detections(&buf, generate.Options{Records: n, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	return bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")), int64(buf.Len())
}

// BenchmarkDecodeDetection is one core's decoding and validation speed.
func BenchmarkDecodeDetection(b *testing.B) {
	lines, size := generatedLines(b, 10_000)
	var dec DetectionDecoder
	b.SetBytes(size / int64(len(lines)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := dec.Decode(lines[i%len(lines)]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkPipeline is reading, splitting and decoding on every core,
// without a store.
func BenchmarkPipeline(b *testing.B) {
	var buf bytes.Buffer
	if err := generate.Detections(&buf, generate.Options{Records: 100_000, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n := 0
		_, err := Run(context.Background(), bytes.NewReader(buf.Bytes()), Options{}, NewDetectionDecoder, func(batch Batch[engine.Detection]) error {
			n += len(batch.Items)
			return nil
		})
		if err != nil || n != 100_000 {
			b.Fatal(err, n)
		}
	}
	b.ReportMetric(float64(100_000*b.N)/b.Elapsed().Seconds(), "records/s")
}
