package cli

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
)

// Escaping a text in pieces gives what escaping it whole gives, wherever
// the pieces are cut: in the middle of a character, an invalid byte or an
// escape.
func TestJSONTextInPieces(t *testing.T) {
	texts := [][]byte{
		[]byte("plain ascii"),
		[]byte("åsa <&> \"quoted\" \\ \n\t\x00 \u2028 日本語 😀"),
		{0xff, 'a', 0xe6, 0x97, 'b', 0xf0, 0x9f, 0x98},
		bytes.Repeat([]byte("é😀\xff"), 40_000),
	}
	rnd := rand.New(rand.NewPCG(3, 4))
	for _, text := range texts {
		want, _ := json.Marshal(string(text))
		for try := 0; try < 20; try++ {
			var out bytes.Buffer
			j := &jsonText{w: &out}
			for rest := text; len(rest) > 0; {
				n := 1 + rnd.IntN(min(len(rest), 7+try*5000))
				if _, err := j.Write(rest[:n]); err != nil {
					t.Fatal(err)
				}
				rest = rest[n:]
			}
			if err := j.Close(); err != nil {
				t.Fatal(err)
			}
			if got := `"` + out.String() + `"`; got != string(want) {
				t.Fatalf("pieces gave %.200q, want %.200q", got, want)
			}
		}
	}
}
