package store

import "time"

// Kept records: every accepted detection's full text is kept until
// retention purges it, so that a changed policy can be evaluated again over
// history. Texts are kept in blocks, one per ingest batch and compressed
// together (package recordblock), in their own table: a block is written
// once, appended at the end, and read back whole. A detection names its
// text by block and index (RecordRef). A newer copy of a detection names
// its own text; the older copy's text stays in its block until the block is
// purged. Retention purges blocks by the time they were stored, the way it
// purges quarantine entries.

// RecordRef names one record's text: its block and its index there. Block
// 0 names none.
type RecordRef struct {
	Block int64
	Index int
}

// RecordBlock is one block of records' text, packed (recordblock.Pack),
// under an id RecordBlockIDs reserved.
type RecordBlock struct {
	ID       int64
	StoredAt time.Time
	Data     []byte
}
