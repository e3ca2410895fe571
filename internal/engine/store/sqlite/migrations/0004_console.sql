-- Running counts of alerts (store.AlertCounts) for the console's overview:
-- counting a million alerts takes seconds, reading these takes
-- milliseconds. The engine moves them in the transaction that changes the
-- alerts; the migration fills them from the alerts already stored.
CREATE TABLE alert_days (
    policy   TEXT NOT NULL,
    day      INTEGER NOT NULL, -- days since the Unix epoch of first_seen, UTC
    severity INTEGER NOT NULL,
    status   TEXT NOT NULL,
    n        INTEGER NOT NULL,
    PRIMARY KEY (policy, day, severity, status)
) WITHOUT ROWID;

CREATE TABLE alert_users (
    user_id      TEXT PRIMARY KEY,
    upn          TEXT NOT NULL,
    display_name TEXT NOT NULL,
    open_high    INTEGER NOT NULL,
    open_medium  INTEGER NOT NULL,
    open_low     INTEGER NOT NULL,
    open_other   INTEGER NOT NULL,
    resolved     INTEGER NOT NULL
) WITHOUT ROWID;
-- The users most at risk are the first entries of this index.
CREATE INDEX alert_users_by_risk ON alert_users (open_high DESC, open_medium DESC, open_low DESC, user_id);

-- An alert's page finds it by id; retention finds expired alerts by
-- updated_at instead of scanning every alert at every ingest.
CREATE INDEX alerts_by_id ON alerts (id);
CREATE INDEX alerts_by_updated_at ON alerts (updated_at);

-- A user's and an alert's audit-log entries, and users by remediation
-- time: these tables grow by one row per remediated user, so the indexes
-- cost ingest next to nothing.
CREATE INDEX remediations_by_user ON remediations (user_id, seq);
CREATE INDEX remediations_by_alert ON remediations (alert_id, seq);
CREATE INDEX user_risks_by_time ON user_risks (remediated_at, user_id);
