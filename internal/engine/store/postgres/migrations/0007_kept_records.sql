-- Kept records (store/kept_records.go): every accepted detection's full
-- text, compressed a batch at a time into blocks, read whole and purged by
-- age. Ids come from a sequence, so that one is never handed out twice,
-- not even after its block is purged (a detection may still name it), and
-- so that concurrent ingests reserve ids without waiting on each other.
CREATE SEQUENCE record_block_ids;
CREATE TABLE record_blocks (
    id        BIGINT PRIMARY KEY,
    stored_at BIGINT NOT NULL, -- Unix nanoseconds, engine clock
    data      BYTEA NOT NULL
);
-- The blocks are compressed already: no second compression by TOAST.
ALTER TABLE record_blocks ALTER COLUMN data SET STORAGE EXTERNAL;

-- Where a detection's text is: its block and index (NULL for detections
-- ingested before this migration, whose text was never kept).
ALTER TABLE detections ADD COLUMN record_block BIGINT;
ALTER TABLE detections ADD COLUMN record_index INTEGER;
