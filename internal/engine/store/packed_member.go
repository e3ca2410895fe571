package store

import (
	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/store/codec"
)

// PackedMember is a member's fields in the form every backend stores. The
// engine packs a member as soon as it reads the detection, off the path
// that holds the write lock, and a packed member is a third of the size of
// an engine.Member, which keeps the units in flight within the command
// line's memory limit. The form itself is the store's business: the engine
// only packs and unpacks.
type PackedMember struct{ bytes []byte }

// PackMember packs m's fields; its group and detection travel beside it.
func PackMember(m engine.Member) PackedMember { return PackedMember{codec.EncodeMember(m)} }

// Unpack returns the member of group g and detection d.
func (p PackedMember) Unpack(g engine.GroupKey, d engine.DetectionKey) (engine.Member, error) {
	return codec.DecodeMember(g, d, p.bytes)
}

// Bytes is the packed form, for the backends to write.
func (p PackedMember) Bytes() []byte { return p.bytes }
