package ingest_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest"
)

// Records handed over already split (a Graph page's elements) are judged
// exactly as the same records read from an NDJSON stream: same values, same
// reasons, same kept text.
func TestDecodeRecordsMatchesRun(t *testing.T) {
	const limit = 400
	records := []string{
		`{"id":"a","userId":"u1","riskEventType":"leakedCredentials","activityDateTime":"2025-06-01T10:00:00Z","riskLevel":"high"}`,
		`{"id":"b","userId":"u2","riskType":"unfamiliarFeatures","activityDateTime":"2025-06-01T10:00:00.1234567Z","activity":"signin"}`,
		`{"id":"c","riskEventType":"x","activityDateTime":"2025-06-01T10:00:00Z"}`,
		`{"id":"d","userId":"u","riskEventType":"x","activityDateTime":"soon"}`,
		`{"id":"e","userId":"u","riskEventType":"x","activityDateTime":"2025-06-01T10:00:00Z","riskLevel":5}`,
		`["not","an","object"]`,
		`"text"`,
		`{"id":"f","userId":"u","riskEventType":"x","activityDateTime":"2025-06-01T10:00:00Z","additionalInfo":"` + strings.Repeat("z", limit) + `"}`,
		`{"id":"g","userId":"u","riskEventType":"x","activityDateTime":"2025-06-01T10:00:00Z","tokenIssuerType":"Azure Active Directory","location":null}`,
	}
	raw := make([][]byte, len(records))
	for i, r := range records {
		raw[i] = []byte(r)
	}
	got := ingest.DecodeRecords(raw, 41, limit, ingest.NewDetectionDecoder(), false)

	var want []ingest.Item[engine.Detection]
	_, err := ingest.Run(context.Background(), strings.NewReader(strings.Join(records, "\n")+"\n"),
		ingest.Options{MaxRecordBytes: limit}, ingest.NewDetectionDecoder,
		func(b ingest.Batch[engine.Detection]) error {
			want = append(want, b.Items...)
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Items) != len(records) || len(want) != len(records) {
		t.Fatalf("%d items from DecodeRecords, %d from Run, want %d", len(got.Items), len(want), len(records))
	}
	rejected := 0
	for i, g := range got.Items {
		w := want[i]
		if g.Line != 41+int64(i) {
			t.Errorf("record %d: line %d, want %d", i, g.Line, 41+i)
		}
		if (g.Reject == nil) != (w.Reject == nil) || (g.Reject != nil && g.Reject.Reason != w.Reject.Reason) {
			t.Errorf("record %d: reject %v, Run says %v", i, g.Reject, w.Reject)
			continue
		}
		if g.Reject == nil {
			if g.Value.ID != w.Value.ID || !g.Value.ActivityDateTime.Equal(w.Value.ActivityDateTime) ||
				g.Value.RiskEventType != w.Value.RiskEventType || g.Value.TokenIssuerType != w.Value.TokenIssuerType {
				t.Errorf("record %d: %+v, Run says %+v", i, g.Value, w.Value)
			}
			continue
		}
		rejected++
		if !bytes.Equal(g.Raw, raw[i]) {
			t.Errorf("record %d: kept %q, want the whole record", i, g.Raw)
		}
	}
	if rejected != 6 {
		t.Errorf("%d records rejected, want 6", rejected)
	}
	if g := got.Items[7]; g.Reject == nil || !strings.Contains(g.Reject.Reason, "larger than the maximum record size of 400 bytes") {
		t.Errorf("the oversize record: %v", g.Reject)
	}
	// The kept text is a copy: the caller may reuse its buffers.
	raw[2][0] = 'X'
	if got.Items[2].Raw[0] != '{' {
		t.Error("a rejected record's text aliases the caller's buffer")
	}
}
