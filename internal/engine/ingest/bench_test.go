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
// without a store; kept-texts also packs the accepted records' texts as an
// ingest keeps them. Run on one and two cores (-cpu 1,2), it is the
// ceiling the reading side sets on an ingest, whatever the store.
func BenchmarkPipeline(b *testing.B) {
	var buf bytes.Buffer
	if err := generate.Detections(&buf, generate.Options{Records: 100_000, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		keep bool
	}{{"decode", false}, {"kept-texts", true}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(buf.Len()))
			for i := 0; i < b.N; i++ {
				n, kept := 0, 0
				_, err := Run(context.Background(), bytes.NewReader(buf.Bytes()), Options{KeepRecords: bc.keep}, NewDetectionDecoder,
					func(batch Batch[engine.Detection]) error {
						n += len(batch.Items)
						kept += len(batch.Kept)
						return nil
					})
				if err != nil || n != 100_000 || (kept > 0) != bc.keep {
					b.Fatal(err, n, kept)
				}
			}
			b.ReportMetric(float64(100_000*b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}
