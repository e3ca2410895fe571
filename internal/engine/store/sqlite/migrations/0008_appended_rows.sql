-- Detections, members and alerts become rowid tables: rows are appended in
-- the order they are written, and a unique index on the old key finds
-- them. Their keys are hashes, so as WITHOUT ROWID tables clustered on the
-- key, one ingest transaction of 50,000 records dirtied most leaf pages of
-- each table, every one full rows wide, and the WAL and the checkpoints
-- wrote them all. Now a transaction dirties the index leaves (a key and a
-- rowid each, a fraction of a row) and the few pages at each table's end.
-- A 1,000,000-record ingest took a median 17.7 s against 21.0 s before,
-- and ran 1.38x faster into a store of 5,000,000 (ARCHITECTURE.md, "Rows
-- appended, keys in indexes"). The alerts table below repeats 0001's
-- columns: SQLite cannot turn a WITHOUT ROWID table into a rowid one in
-- place, only copy it.

CREATE TABLE detections_appended (
    key          BLOB NOT NULL,
    version      INTEGER NOT NULL,
    groups       BLOB,
    prev_version INTEGER,
    prev_groups  BLOB,
    record_block INTEGER,
    record_index INTEGER
);
INSERT INTO detections_appended (key, version, groups, prev_version, prev_groups, record_block, record_index)
    SELECT key, version, groups, prev_version, prev_groups, record_block, record_index FROM detections;
DROP TABLE detections;
ALTER TABLE detections_appended RENAME TO detections;
CREATE UNIQUE INDEX detections_by_key ON detections (key);

-- Members stay found by group (an alert's page, a window's recount) through
-- the index.
CREATE TABLE members_appended (
    grp     BLOB NOT NULL,
    det     BLOB NOT NULL,
    payload BLOB NOT NULL
);
INSERT INTO members_appended (grp, det, payload) SELECT grp, det, payload FROM members;
DROP TABLE members;
ALTER TABLE members_appended RENAME TO members;
CREATE UNIQUE INDEX members_by_group ON members (grp, det);

-- Alerts keep every query index of migrations 0004 and 0006, rebuilt on
-- the new table.
CREATE TABLE alerts_appended (
    grp        BLOB NOT NULL,
    id         TEXT NOT NULL,
    policy     TEXT NOT NULL,
    severity   INTEGER NOT NULL,
    status     TEXT NOT NULL,
    upn        TEXT NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    payload    BLOB NOT NULL,
    upn_folded TEXT
);
INSERT INTO alerts_appended (grp, id, policy, severity, status, upn, first_seen, last_seen, updated_at, payload, upn_folded)
    SELECT grp, id, policy, severity, status, upn, first_seen, last_seen, updated_at, payload, upn_folded FROM alerts;
DROP TABLE alerts;
ALTER TABLE alerts_appended RENAME TO alerts;
CREATE UNIQUE INDEX alerts_by_group ON alerts (grp);
CREATE INDEX alerts_by_id ON alerts (id);
CREATE INDEX alerts_by_updated_at ON alerts (updated_at);
CREATE INDEX alerts_by_time ON alerts (last_seen DESC, id, first_seen, updated_at);
CREATE INDEX alerts_by_policy ON alerts (policy, last_seen DESC, id);
CREATE INDEX alerts_by_user ON alerts (upn_folded, last_seen DESC, id, updated_at);
