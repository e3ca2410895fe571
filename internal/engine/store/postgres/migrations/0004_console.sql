-- Running counts of alerts (store.AlertCounts) for the console's overview,
-- as in SQLite: counting a million alerts takes seconds, reading these
-- takes milliseconds. Writers add to them with one sorted upsert at the
-- end of a transaction, so concurrent writers wait on each other only
-- there and never deadlock on them. The migration fills them from the
-- alerts already stored.
CREATE TABLE alert_days (
    policy   TEXT COLLATE "C" NOT NULL,
    day      BIGINT NOT NULL, -- days since the Unix epoch of first_seen, UTC
    severity SMALLINT NOT NULL,
    status   TEXT COLLATE "C" NOT NULL,
    n        BIGINT NOT NULL,
    PRIMARY KEY (policy, day, severity, status)
);

CREATE TABLE alert_users (
    user_id      TEXT COLLATE "C" PRIMARY KEY,
    upn          TEXT NOT NULL,
    display_name TEXT NOT NULL,
    open_high    BIGINT NOT NULL,
    open_medium  BIGINT NOT NULL,
    open_low     BIGINT NOT NULL,
    open_other   BIGINT NOT NULL,
    resolved     BIGINT NOT NULL
);
-- The users most at risk are the first entries of this index.
CREATE INDEX alert_users_by_risk ON alert_users (open_high DESC, open_medium DESC, open_low DESC, user_id);

-- An alert's page finds it by id.
CREATE INDEX alerts_by_id ON alerts (id);

-- A user's and an alert's audit-log entries, and users by remediation time.
CREATE INDEX remediations_by_user ON remediations (user_id, seq);
CREATE INDEX remediations_by_alert ON remediations (alert_id, seq);
CREATE INDEX user_risks_by_time ON user_risks (remediated_at, user_id);
