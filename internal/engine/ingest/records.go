package ingest

import "github.com/idp/terraform-provider-idp/internal/engine/recordblock"

// DecodeRecords decodes records that arrive already split, as the elements
// of a Graph page do, into one batch. Each is validated and quarantined
// exactly as Run treats a record it reads: the same size limit, the same
// decoder, the same reasons. Record i gets line firstLine+i; what a line
// means for such records is the caller's to document. Safe is left zero:
// a caller resuming such records keeps its own position.
//
// Rejected records keep a copy of their text, so the caller may reuse
// records afterwards; accepted ones are packed into Batch.Kept when keep is
// set, as Options.KeepRecords does for Run.
func DecodeRecords[T any](records [][]byte, firstLine int64, maxRecordBytes int, dec Decoder[T], keep bool) Batch[T] {
	if maxRecordBytes <= 0 {
		maxRecordBytes = DefaultMaxRecordBytes
	}
	b := Batch[T]{Items: make([]Item[T], len(records))}
	var kept recordblock.Builder
	for i, raw := range records {
		it := &b.Items[i]
		it.Line = firstLine + int64(i)
		if len(raw) > maxRecordBytes {
			it.Reject = oversize(maxRecordBytes, int64(len(raw)))
		} else {
			it.Value, it.Reject = dec.Decode(raw)
		}
		switch {
		case it.Reject == nil && keep:
			it.Kept = kept.Add(raw)
		case it.Reject != nil:
			it.Raw = append([]byte(nil), raw...)
			b.RawBytes += int64(len(raw))
		}
	}
	b.Kept = kept.Pack()
	return b
}

// oversize is the reason of a record larger than the limit, whoever split it.
func oversize(limit int, size int64) *RecordError {
	return reject("the record is larger than the maximum record size of %d bytes (it has %d)", limit, size)
}

// oversizeSpill is the reason of a spilled record, which says when only
// its start was kept.
func oversizeSpill(limit int, s *Spill) *RecordError {
	if !s.Truncated() {
		return oversize(limit, s.Size)
	}
	return reject("the record is larger than the maximum record size of %d bytes (it has %d); "+
		"only its first %d bytes are kept, and the SHA-256 of all of it is %x", limit, s.Size, s.Kept, s.Sum())
}
