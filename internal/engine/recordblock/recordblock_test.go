package recordblock

import (
	"bytes"
	"fmt"
	"testing"
)

func TestPackUnpackKeepsEveryByte(t *testing.T) {
	var b Builder
	var want [][]byte
	for i := range 3000 {
		rec := []byte(fmt.Sprintf(`{"id": "%032x", "riskLevel": "high", "note": %q}`, i, bytes.Repeat([]byte{byte('a' + i%26)}, i%97)))
		if i%500 == 0 {
			rec = nil // an empty record stays empty
		}
		if got := b.Add(rec); got != i {
			t.Fatalf("Add returned index %d, want %d", got, i)
		}
		want = append(want, rec)
	}
	block := b.Pack()
	if len(block) >= len(b.text)/2 {
		t.Errorf("block of %d bytes for %d bytes of text: not compressed", len(block), len(b.text))
	}
	got, err := Unpack(block)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d records back, want %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("record %d: %q, want %q", i, got[i], want[i])
		}
	}
	one, err := Record(block, 1234)
	if err != nil || !bytes.Equal(one, want[1234]) {
		t.Fatalf("Record(1234) = %q, %v", one, err)
	}
	if _, err := Record(block, 3000); err == nil {
		t.Fatal("Record past the end: no error")
	}
}

// Records packed where they lie in a batch's text come back without the
// text between them.
func TestPackSpansSkipsTheTextBetween(t *testing.T) {
	text := []byte("junk{\"id\": 1}\n{bad\n{\"id\": 2}\n\n{\"id\": 3}tail")
	spans := []Span{{4, 13}, {19, 28}, {30, 39}}
	got, err := Unpack(Pack(text, spans))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`{"id": 1}`, `{"id": 2}`, `{"id": 3}`}
	if len(got) != len(want) {
		t.Fatalf("%d records, want %d", len(got), len(want))
	}
	for i := range want {
		if string(got[i]) != want[i] {
			t.Errorf("record %d = %q, want %q", i, got[i], want[i])
		}
	}
}

func TestEmptyBuilderPacksNothing(t *testing.T) {
	var b Builder
	if b.Pack() != nil {
		t.Fatal("an empty builder packed a block")
	}
}

func TestUnpackRefusesDamagedBlocks(t *testing.T) {
	var b Builder
	b.Add([]byte(`{"id": "a"}`))
	b.Add([]byte(`{"id": "b"}`))
	block := b.Pack()
	for name, bad := range map[string][]byte{
		"empty":          nil,
		"unknown format": append([]byte{9}, block[1:]...),
		"truncated":      block[:len(block)-3],
		"count too big":  {formatZstd, 0xff, 0xff, 0x03},
		"length too big": {formatZstd, 1, 0, 0xff, 0xff, 0xff, 0xff, 0x0f},
	} {
		if _, err := Unpack(bad); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
