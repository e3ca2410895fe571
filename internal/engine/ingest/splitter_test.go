package ingest

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

type piece struct {
	raw    string
	line   int64
	reason string
	spill  int64
}

func splitAll(t *testing.T, input string, maxRecord int) ([]piece, Format) {
	t.Helper()
	sp, format := NewSplitter(strings.NewReader(input), maxRecord, 0)
	var out []piece
	for {
		rec, err := sp.Next()
		if errors.Is(err, io.EOF) {
			return out, format
		}
		if err != nil {
			t.Fatal(err)
		}
		s := piece{raw: string(rec.Raw), line: rec.Line, reason: rec.Reason}
		if rec.Spill != nil {
			r, err := rec.Spill.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(r)
			s.raw, s.spill = string(b), rec.Spill.Size
			rec.Spill.Close()
		}
		out = append(out, s)
	}
}

func TestSplitNDJSON(t *testing.T) {
	input := "\xef\xbb\xbf{\"id\":\"a\"}\n\n   \n{\"id\":\"b\"}\r\n{\"id\":\"c\"}"
	recs, format := splitAll(t, input, 0)
	if format != FormatNDJSON {
		t.Fatalf("format = %v", format)
	}
	want := []piece{{raw: `{"id":"a"}`, line: 1}, {raw: `{"id":"b"}`, line: 4}, {raw: `{"id":"c"}`, line: 5}}
	if len(recs) != len(want) {
		t.Fatalf("got %+v, want %+v", recs, want)
	}
	for i := range want {
		if recs[i] != want[i] {
			t.Errorf("record %d = %+v, want %+v", i, recs[i], want[i])
		}
	}
}

func TestSplitOversizeRecordKeepsEveryByte(t *testing.T) {
	big := `{"id":"x","pad":"` + strings.Repeat("é", 3000) + `"}`
	input := `{"id":"before"}` + "\n" + big + "\n" + `{"id":"after"}` + "\n"
	recs, _ := splitAll(t, input, 1024)
	if len(recs) != 3 || recs[0].raw != `{"id":"before"}` || recs[2].raw != `{"id":"after"}` || recs[2].line != 3 {
		t.Fatalf("neighbours of an oversize record were not kept: %+v", recs)
	}
	if recs[1].raw != big || recs[1].spill != int64(len(big)) {
		t.Fatalf("oversize record came back with %d bytes (spill %d), want all %d", len(recs[1].raw), recs[1].spill, len(big))
	}
	// Exactly at the limit is not oversize.
	recs, _ = splitAll(t, `{"id":"12345"}`, len(`{"id":"12345"}`))
	if recs[0].spill != 0 {
		t.Fatalf("a record of exactly the limit was spilled")
	}
}

func TestSplitGraphPages(t *testing.T) {
	input := `{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#riskDetections","value":[
  {"id":"a","nested":{"x":[1,2,{"y":"]"}]}},
  {"id":"b,\"c\""},
  42
],"@odata.nextLink":"https://graph.microsoft.com/v1.0/identityProtection/riskDetections?$skiptoken=x"}
{"value":[]}
{"value":[{"id":"d"} ]}`
	recs, format := splitAll(t, input, 0)
	if format != FormatGraphPages {
		t.Fatalf("format = %v", format)
	}
	want := []piece{
		{raw: `{"id":"a","nested":{"x":[1,2,{"y":"]"}]}}`, line: 2},
		{raw: `{"id":"b,\"c\""}`, line: 3},
		{raw: "42\n", line: 4},
		{raw: `{"id":"d"} `, line: 7},
	}
	if len(recs) != len(want) {
		t.Fatalf("got %+v", recs)
	}
	for i := range want {
		if recs[i] != want[i] {
			t.Errorf("record %d = %+v, want %+v", i, recs[i], want[i])
		}
	}
}

func TestSplitBrokenPages(t *testing.T) {
	cases := []struct {
		name  string
		input string
		want  []piece
	}{
		{"truncated element", `{"value":[{"id":"a"},{"id":"b"`, []piece{{raw: `{"id":"a"}`, line: 1}, {raw: `{"id":"b"`, line: 1}}},
		{"value not an array", `{"value":5}`, []piece{{raw: `5}`, line: 1, reason: `a Graph page's "value" is not an array`}}},
		{"junk after a page", `{"value":[{"id":"a"}]} trailing junk`, []piece{{raw: `{"id":"a"}`, line: 1}, {raw: `trailing junk`, line: 1, reason: "not a Graph page"}}},
		{"mangled element between good ones", `{"value":[{"id":"a"}, {"id" "b"}, {"id":"c"}]}`, []piece{{raw: `{"id":"a"}`, line: 1}, {raw: `{"id" "b"}`, line: 1}, {raw: `{"id":"c"}`, line: 1}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			recs, _ := splitAll(t, tc.input, 0)
			if len(recs) != len(tc.want) {
				t.Fatalf("got %+v, want %+v", recs, tc.want)
			}
			for i := range tc.want {
				if recs[i] != tc.want[i] {
					t.Errorf("record %d = %+v, want %+v", i, recs[i], tc.want[i])
				}
			}
		})
	}
}

// Safe offsets let a file source resume: after each NDJSON record it is the
// end of that record's line.
func TestSafeOffsets(t *testing.T) {
	input := "{\"id\":\"a\"}\n\n{\"id\":\"b\"}\n"
	sp, _ := NewSplitter(strings.NewReader(input), 0, 100)
	var safes []int64
	for {
		_, err := sp.Next()
		if err != nil {
			break
		}
		safes = append(safes, sp.Safe())
	}
	if len(safes) != 2 || safes[0] != 111 || safes[1] != 123 || sp.Safe() != 123 {
		t.Fatalf("safe offsets = %v then %d, want [111 123] then 123", safes, sp.Safe())
	}
}

// FuzzSplitter checks that NDJSON splitting never loses or invents bytes:
// the records, joined by newlines, are the input without its blank lines.
func FuzzSplitter(f *testing.F) {
	f.Add([]byte("{\"id\":\"a\"}\n{\"id\":\"b\"}\n"), 64)
	f.Add([]byte("\n\n x \r\n\xef\xbb\xbfy"), 3)
	f.Add([]byte(`{"value":[{"id":"a"},{"id":"b"`), 16)
	f.Add([]byte(`{"@odata.context":"x","value":[1,[2],"3\"",{"a":"]"}]}{"value":[`), 8)
	f.Fuzz(func(t *testing.T, input []byte, max int) {
		if max < 1 || max > 1<<16 {
			max = 1 << 10
		}
		sp, format := NewSplitter(bytes.NewReader(input), max, 0)
		var got [][]byte
		for i := 0; ; i++ {
			rec, err := sp.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			raw := append([]byte(nil), rec.Raw...)
			if rec.Spill != nil {
				r, _ := rec.Spill.Open()
				raw, _ = io.ReadAll(r)
				if int64(len(raw)) != rec.Spill.Size || len(raw) <= max {
					t.Fatalf("spill of %d bytes (size %d) for limit %d", len(raw), rec.Spill.Size, max)
				}
				rec.Spill.Close()
			}
			got = append(got, raw)
			if i > len(input)+1 {
				t.Fatalf("more records than bytes")
			}
		}
		if format != FormatNDJSON {
			return
		}
		var wantLines [][]byte
		body := bytes.TrimPrefix(input, []byte("\xef\xbb\xbf"))
		for _, line := range bytes.Split(body, []byte("\n")) {
			if len(bytes.Trim(line, " \t\r\n")) > 0 { // JSON whitespace, not unicode.IsSpace
				wantLines = append(wantLines, line)
			}
		}
		if len(got) != len(wantLines) {
			t.Fatalf("got %d records, want %d", len(got), len(wantLines))
		}
		for i := range got {
			if !bytes.Equal(bytes.TrimRight(got[i], "\r"), bytes.TrimRight(wantLines[i], "\r")) {
				t.Fatalf("record %d = %q, want %q", i, got[i], wantLines[i])
			}
		}
	})
}

// FuzzDetectionDecoder checks that decoding never panics and that an
// accepted record always satisfies the rules: required fields present, a
// parseable activity time, ranked severities only from ranked levels.
func FuzzDetectionDecoder(f *testing.F) {
	f.Add([]byte(good))
	f.Add([]byte(with("riskLevel", "7")))
	f.Add([]byte(with("location", `{"geoCoordinates":{"latitude":1e999}}`)))
	f.Add([]byte(`{"id":"\ud800","userId":"u","riskType":"x","activityDateTime":"2025-01-01T00:00:00Z"}`))
	f.Add([]byte(`{"id":"a","id":"b","userId":"u","riskEventType":"x","activityDateTime":"0000-01-01T00:00:00Z"}`))
	f.Add([]byte(`[{]`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		var dec DetectionDecoder
		d, err := dec.Decode(raw)
		if err != nil {
			if err.Reason == "" {
				t.Fatal("a rejection without a reason")
			}
			return
		}
		if d.ID == "" || d.UserID == "" || d.RiskEventType == "" || d.ActivityDateTime.IsZero() && !bytes.Contains(raw, []byte("0001-01-01")) {
			t.Fatalf("accepted a record that breaks the rules: %+v from %q", d, raw)
		}
		if s := d.Severity(); s != "" && s != "low" && s != "medium" && s != "high" {
			t.Fatalf("severity %q", s)
		}
		// Decoding is deterministic: the same bytes give the same record.
		again, err2 := dec.Decode(raw)
		if err2 != nil || again.ID != d.ID || !again.ActivityDateTime.Equal(d.ActivityDateTime) {
			t.Fatalf("decoding twice differs")
		}
	})
}
