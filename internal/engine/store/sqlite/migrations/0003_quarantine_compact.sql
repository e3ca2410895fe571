-- Quarantine entries, compact: a bad record costs its text (compressed
-- when that pays, store.TextEncoder) and a few dozen bytes, where the
-- first layout spent some 250 bytes on a 2-byte line. Reasons and sources
-- repeat from entry to entry, so each is stored once, as a label, and
-- entries point at it; the digest keeps 16 bytes; the first part of the
-- text sits in the entry's row and only larger texts use
-- quarantine_chunks. used_at is the newest entry a label was written for,
-- so retention can drop the labels no entry can refer to any more.
-- Retention deletes the oldest entries, in order, so it needs no index on
-- quarantined_at (which would cost a fifth of an entry).
CREATE TABLE quarantine_labels (
    id      INTEGER PRIMARY KEY,
    text    TEXT NOT NULL UNIQUE,
    used_at INTEGER NOT NULL
);

CREATE TABLE quarantine_entries (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    digest         BLOB NOT NULL UNIQUE,
    reason         INTEGER NOT NULL,
    source         INTEGER NOT NULL,
    line           INTEGER NOT NULL,
    quarantined_at INTEGER NOT NULL,
    size           INTEGER NOT NULL,
    codec          INTEGER NOT NULL,
    head           BLOB NOT NULL
);

CREATE TABLE quarantine_chunks (
    seq  INTEGER NOT NULL,
    part INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (seq, part)
) WITHOUT ROWID;

-- The entries of the first layout move over as they are: uncompressed,
-- in parts of the same size, their digests cut to 16 bytes.
INSERT INTO quarantine_labels (text, used_at)
    SELECT text, max(at) FROM (
        SELECT reason AS text, quarantined_at AS at FROM quarantine
        UNION ALL
        SELECT source, quarantined_at FROM quarantine
    ) GROUP BY text;

INSERT INTO quarantine_entries (seq, digest, reason, source, line, quarantined_at, size, codec, head)
    SELECT q.seq, substr(q.digest, 1, 16), r.id, s.id, q.line, q.quarantined_at, q.size, 0, coalesce(p.data, X'')
    FROM quarantine q
    JOIN quarantine_labels r ON r.text = q.reason
    JOIN quarantine_labels s ON s.text = q.source
    LEFT JOIN quarantine_parts p ON p.seq = q.seq AND p.part = 0;

INSERT INTO quarantine_chunks (seq, part, data)
    SELECT seq, part, data FROM quarantine_parts WHERE part > 0;

DROP TABLE quarantine_parts;
DROP TABLE quarantine;
