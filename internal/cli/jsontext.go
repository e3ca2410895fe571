package cli

import (
	"encoding/json"
	"io"
	"unicode/utf8"
)

// jsonText writes a JSON string's contents (without its quotes) from text
// that arrives in pieces, so that a quarantined record of any size is
// printed without being held: each piece is escaped as encoding/json
// escapes a whole string, a character cut between two pieces waiting for
// the rest.
type jsonText struct {
	w     io.Writer
	carry []byte
}

// jsonPiece bounds what is escaped at once.
const jsonPiece = 64 << 10

func (j *jsonText) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		take := min(len(p), jsonPiece)
		piece := append(j.carry, p[:take]...)
		p = p[take:]
		// Keep back the start of a character the next piece completes.
		cut := len(piece)
		for back := 1; back < utf8.UTFMax && back <= len(piece); back++ {
			if utf8.RuneStart(piece[len(piece)-back]) {
				if !utf8.FullRune(piece[len(piece)-back:]) {
					cut = len(piece) - back
				}
				break
			}
		}
		if err := j.escape(piece[:cut]); err != nil {
			return 0, err
		}
		j.carry = append(j.carry[:0:0], piece[cut:]...)
	}
	return n, nil
}

// Close writes what is left over, an incomplete character included (as
// encoding/json does, as U+FFFD).
func (j *jsonText) Close() error {
	err := j.escape(j.carry)
	j.carry = nil
	return err
}

func (j *jsonText) escape(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	quoted, err := json.Marshal(string(b))
	if err != nil {
		return err
	}
	_, err = j.w.Write(quoted[1 : len(quoted)-1])
	return err
}
