-- Routes (SPEC §7): per project an ordered list. A route matches an alert (its kind,
-- reason, severity, the monitor's tags and slug or name, an active time window) and
-- sends it to its channels; matching stops at the first match unless the route says
-- continue. The matcher, the window and the channel ids are JSON, read by the core's
-- rules (one body for both databases).
CREATE TABLE routes (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    matcher TEXT NOT NULL,
    active TEXT,
    -- JSON: the quiet window, or NULL: while it lasts, messages wait (never dropped).
    quiet TEXT,
    -- JSON: {"time", "tz"}: when the route sends the daily digest (held until then).
    digest_at TEXT,
    -- Grouping: monitor | all | tag:<key>; the first alert's wait; the least time
    -- between two messages of one group.
    group_by TEXT,
    group_wait_ms BIGINT,
    group_interval_ms BIGINT,
    channels TEXT NOT NULL,
    -- While an alert is open and unacknowledged: remind its channels this often.
    repeat_every_ms BIGINT,
    -- JSON: escalation steps [{"after_ms", "channels"}], by time since the alert opened.
    escalate TEXT,
    continue_matching BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX routes_project ON routes (project_id, position);

-- The timers of routed alerts (repeat, escalation steps): one row each with its due
-- time, evaluated by the scheduler like deadlines (an index range, no scan). A timer is
-- claimed by deleting it in the transaction that writes its messages: done once, also
-- with several instances; a crash before commit leaves it due.
CREATE TABLE alert_timers (
    id BIGSERIAL PRIMARY KEY,
    alert_id BIGINT NOT NULL,
    route_id TEXT NOT NULL,
    -- repeat | escalate | release (a quiet window ended) | silence (a silence ended) | digest (a route's digest time) | group
    kind TEXT NOT NULL,
    -- The escalation step (0 for repeats).
    step INTEGER NOT NULL,
    due_at BIGINT NOT NULL,
    -- For a release: the held message (the event as it was when the alert opened).
    payload TEXT,
    -- For a group: its key (team:db).
    group_key TEXT
);
CREATE INDEX alert_timers_due ON alert_timers (due_at);
CREATE INDEX alert_timers_alert ON alert_timers (alert_id);

-- Silences and maintenance windows: a matcher (JSON, as a route's) and a time — a
-- one-off span, or a weekly window (JSON) within optional bounds. Ended early: ended_at.
-- Alerts they hold wait in alert_timers (kind 'silence', route_id = the silence).
CREATE TABLE silences (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    matcher TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT,
    recurring TEXT,
    author TEXT NOT NULL,
    comment TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    ended_at BIGINT
);
CREATE INDEX silences_project ON silences (project_id, starts_at);

-- When each group of a route last sent its message (group_interval).
CREATE TABLE route_groups (
    route_id TEXT NOT NULL,
    group_key TEXT NOT NULL,
    last_sent_at BIGINT NOT NULL,
    PRIMARY KEY (route_id, group_key)
);
