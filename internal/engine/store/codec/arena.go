package codec

import "github.com/idp/terraform-provider-idp/internal/engine"

// arenaBlock is the size of the blocks an Arena packs payloads into: large
// enough that a batch of members costs a few allocations, not one each.
const arenaBlock = 64 << 10

// Arena packs the payloads of one write into shared blocks. A payload it
// returns stays valid as long as the caller holds it; the zero value is
// ready to use.
type Arena struct {
	block []byte
}

// Member returns m's payload (EncodeMember), packed into the arena.
func (a *Arena) Member(m *engine.Member) []byte {
	need := memberSize(m)
	if cap(a.block)-len(a.block) < need {
		a.block = make([]byte, 0, max(arenaBlock, need))
	}
	start := len(a.block)
	a.block = AppendMember(a.block, m)
	return a.block[start:len(a.block):len(a.block)]
}
