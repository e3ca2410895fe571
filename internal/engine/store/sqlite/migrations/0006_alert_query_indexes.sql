-- Alert queries (QueryAlerts) read their page in the order they return
-- it, newest last_seen first then id, from an index that starts with
-- their filter, instead of sorting every alert that matches: at a million
-- alerts a sort took seconds. Each index costs every alert write; these
-- three serve the filters people page through (a policy, a user, a time
-- range) and nothing else. alerts_by_time also holds first_seen and
-- updated_at, and alerts_by_user updated_at, so that counting a time
-- range or a user's alerts under retention reads the index alone: a read
-- from a new process finds few of the table's pages cached.
CREATE INDEX alerts_by_time ON alerts (last_seen DESC, id, first_seen, updated_at);
CREATE INDEX alerts_by_policy ON alerts (policy, last_seen DESC, id);
CREATE INDEX alerts_by_user ON alerts (upn_folded, last_seen DESC, id, updated_at);

-- A time range keeps alerts last seen at or after since and first seen
-- before until; alerts_by_time finds the first bound, and this row gives
-- the second: no alert is last seen later than until plus the longest
-- span (last_seen - first_seen, Unix nanoseconds) ever written. PutAlerts
-- raises it; nothing lowers it, so it stays a bound whatever is deleted.
CREATE TABLE alert_span (
    id      INTEGER PRIMARY KEY CHECK (id = 0),
    longest INTEGER NOT NULL
);
INSERT INTO alert_span (id, longest) SELECT 0, coalesce(max(last_seen - first_seen), 0) FROM alerts;
