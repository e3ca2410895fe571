package service

import "github.com/idp/terraform-provider-idp/internal/engine"

// versions remembers the copies of one record (a detection or a device)
// that one unit read, so that the counts come out as if each copy had been
// applied in input order, although only the newest is written.
type versions struct {
	// chain holds the versions of the copies that were newer than every
	// copy before them, in input order; the last is the copy kept.
	chain []int64
	// dups counts the other copies: duplicates whatever the store holds.
	dups int64
}

// offer takes the version of the next copy and reports whether it is the
// newest so far, the one to keep.
func (v *versions) offer(version int64) bool {
	if len(v.chain) > 0 && version <= v.newest() {
		v.dups++
		return false
	}
	v.chain = append(v.chain, version)
	return true
}

func (v *versions) newest() int64 { return v.chain[len(v.chain)-1] }

// count adds the copies to the summary against what the store held before:
// stored is nil when the record was new. It reports whether the newest
// copy replaces what was stored.
func (v *versions) count(stored *int64, sum *engine.IngestSummary) bool {
	sum.Duplicates += v.dups
	changed := false
	for _, version := range v.chain {
		switch {
		case stored != nil && version <= *stored:
			sum.Duplicates++
			continue
		case stored == nil && !changed:
			sum.Accepted++
		default:
			sum.Updated++
		}
		changed = true
	}
	return changed
}
