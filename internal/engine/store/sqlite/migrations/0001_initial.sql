-- Settings are small JSON documents: the integration, one row per tuned or
-- custom policy.
CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE policies (
    id     TEXT PRIMARY KEY,
    config TEXT NOT NULL
);

-- One compact row per detection id: its version and the groups it belongs
-- to. A hashed, fixed-size key and no rowid keep the table dense, which is
-- what decides ingest speed. prev_* hold what the last update replaced, so
-- that the upsert can return it (RETURNING sees only the new row); they
-- stay NULL, one byte each, on detections never updated.
CREATE TABLE detections (
    key          BLOB PRIMARY KEY,
    version      INTEGER NOT NULL,
    groups       BLOB,
    prev_version INTEGER,
    prev_groups  BLOB
) WITHOUT ROWID;

-- Members of window groups, clustered by group so that recomputing an
-- alert reads one contiguous range. The payload packs the member's fields
-- (store.EncodeMember).
CREATE TABLE members (
    grp     BLOB NOT NULL,
    det     BLOB NOT NULL,
    payload BLOB NOT NULL,
    PRIMARY KEY (grp, det)
) WITHOUT ROWID;

-- Alerts are keyed by their group, so a batch's alerts (recent windows)
-- land in one region of the table. Queries scan: alerts are few next to
-- detections, and every index would slow ingest down.
CREATE TABLE alerts (
    grp              BLOB PRIMARY KEY,
    id               TEXT NOT NULL,
    policy           TEXT NOT NULL,
    severity         INTEGER NOT NULL,
    status           TEXT NOT NULL,
    user_id          TEXT NOT NULL,
    upn              TEXT NOT NULL,
    display_name     TEXT NOT NULL,
    detection_count  INTEGER NOT NULL,
    risk_event_types TEXT NOT NULL,
    first_seen       INTEGER NOT NULL,
    last_seen        INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE devices (
    id               TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL,
    upn              TEXT NOT NULL,
    device_name      TEXT NOT NULL,
    management_state TEXT NOT NULL,
    compliance_state TEXT NOT NULL,
    operating_system TEXT NOT NULL,
    last_sync        INTEGER NOT NULL
);
CREATE INDEX devices_by_user ON devices (user_id);

CREATE TABLE user_risks (
    user_id       TEXT PRIMARY KEY,
    upn           TEXT NOT NULL,
    risk_level    TEXT NOT NULL,
    risk_state    TEXT NOT NULL,
    remediated_at INTEGER NOT NULL
);

-- The remediation audit log only grows.
CREATE TABLE remediations (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    time     INTEGER NOT NULL,
    user_id  TEXT NOT NULL,
    alert_id TEXT NOT NULL,
    policy   TEXT NOT NULL,
    actions  TEXT NOT NULL,
    outcome  TEXT NOT NULL
);
CREATE TRIGGER remediations_no_update BEFORE UPDATE ON remediations
BEGIN SELECT RAISE(ABORT, 'the remediation audit log is append-only'); END;
CREATE TRIGGER remediations_no_delete BEFORE DELETE ON remediations
BEGIN SELECT RAISE(ABORT, 'the remediation audit log is append-only'); END;

-- Quarantined records keep their whole text, in parts, however large.
CREATE TABLE quarantine (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    reason         TEXT NOT NULL,
    source         TEXT NOT NULL,
    line           INTEGER NOT NULL,
    size           INTEGER NOT NULL,
    quarantined_at INTEGER NOT NULL,
    digest         BLOB NOT NULL UNIQUE
);
CREATE TABLE quarantine_parts (
    seq  INTEGER NOT NULL,
    part INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (seq, part)
) WITHOUT ROWID;

CREATE TABLE cursors (
    source TEXT PRIMARY KEY,
    cursor TEXT NOT NULL
);
