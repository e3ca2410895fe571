package codec

import "github.com/idp/terraform-provider-idp/internal/engine"

// A detection's groups are stored as their keys one after another: fixed
// size, so no separator is needed. Every backend uses this encoding.

// EncodeGroups packs group keys; no groups is nil.
func EncodeGroups(gs []engine.GroupKey) []byte {
	if len(gs) == 0 {
		return nil
	}
	b := make([]byte, 0, len(gs)*len(engine.GroupKey{}))
	for _, g := range gs {
		b = append(b, g[:]...)
	}
	return b
}

// DecodeGroups unpacks what EncodeGroups wrote.
func DecodeGroups(b []byte) []engine.GroupKey {
	size := len(engine.GroupKey{})
	out := make([]engine.GroupKey, 0, len(b)/size)
	for len(b) >= size {
		var g engine.GroupKey
		copy(g[:], b[:size])
		out = append(out, g)
		b = b[size:]
	}
	return out
}
