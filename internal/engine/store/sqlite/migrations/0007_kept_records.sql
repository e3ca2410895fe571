-- Kept records (store/kept_records.go): every accepted detection's full
-- text, compressed a batch at a time into blocks that are only ever
-- appended (a rowid table, ids in order), read whole and purged by age.
-- AUTOINCREMENT so that sqlite_sequence remembers the highest id ever
-- used: RecordBlockIDs never hands out the id of a purged block, which a
-- detection may still name.
CREATE TABLE record_blocks (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    stored_at INTEGER NOT NULL, -- Unix nanoseconds, engine clock
    data      BLOB NOT NULL
);

-- Where a detection's text is: its block and index (NULL for detections
-- ingested before this migration, whose text was never kept).
ALTER TABLE detections ADD COLUMN record_block INTEGER;
ALTER TABLE detections ADD COLUMN record_index INTEGER;
