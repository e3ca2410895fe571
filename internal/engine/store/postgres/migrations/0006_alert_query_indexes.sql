-- Alert queries (QueryAlerts) read their page in the order they return
-- it, newest last_seen first then id, from an index that starts with
-- their filter, instead of sorting every alert that matches, as in
-- SQLite. Each index costs every alert write; these three serve the
-- filters people page through (a policy, a user, a time range) and
-- nothing else. alerts_by_time also holds first_seen and updated_at, and
-- alerts_by_user updated_at, so that counting a time range or a user's
-- alerts under retention can read the index alone.
CREATE INDEX alerts_by_time ON alerts (last_seen DESC, id) INCLUDE (first_seen, updated_at);
CREATE INDEX alerts_by_policy ON alerts (policy, last_seen DESC, id);
CREATE INDEX alerts_by_user ON alerts (upn_folded, last_seen DESC, id) INCLUDE (updated_at);

-- The bound a time range needs on last_seen (see the SQLite migration):
-- the longest span (last_seen - first_seen, Unix nanoseconds) ever
-- written. PutAlerts raises it, and only when it grows, so concurrent
-- writers seldom wait on the row.
CREATE TABLE alert_span (
    id      INTEGER PRIMARY KEY CHECK (id = 0),
    longest BIGINT NOT NULL
);
INSERT INTO alert_span (id, longest) SELECT 0, coalesce(max(last_seen - first_seen), 0) FROM alerts;
