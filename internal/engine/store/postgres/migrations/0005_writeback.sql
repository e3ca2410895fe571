-- Write-back (remediate/writeback.go) finds the users it has yet to send
-- without reading the whole audit log: writeback_pending holds every user
-- whose latest "applied" entry has no "graph_confirmed" entry after it,
-- and remediations_by_user (0004) finds a user's entries since then.
-- AppendRemediations keeps the table; the migration fills it from the log
-- already stored.
CREATE TABLE writeback_pending (
    user_id TEXT PRIMARY KEY
);
INSERT INTO writeback_pending (user_id)
SELECT l.user_id FROM (
    SELECT user_id, max(seq) AS seq FROM remediations WHERE outcome = 'applied' GROUP BY user_id
) l
WHERE NOT EXISTS (
    SELECT 1 FROM remediations c WHERE c.user_id = l.user_id AND c.seq > l.seq AND c.outcome = 'graph_confirmed'
);

-- Leases (Tx.TakeLease): one process at a time does a job such as the
-- write-back. The write-back lease used to be kept as a cursor; an
-- upgrade drops it, which at worst lets the next write-back resend users
-- that Graph confirms idempotently.
CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at BIGINT NOT NULL -- Unix nanoseconds
);
DELETE FROM cursors WHERE source = 'graph:writeback';
