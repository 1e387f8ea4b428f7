-- Alerts (SPEC §7): every notifying condition — a monitor's down episode, a problem
-- occurrence, a one-shot event — is one row, open → acknowledged → resolved. Messages
-- (outbox rows) name the alert they are about and the transition they announce.
CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    project_id TEXT NOT NULL,
    -- NULL for alerts about no monitor (a channel test, a failing channel).
    monitor_id TEXT,
    -- The channel a `channel` alert is about (its deliveries keep failing).
    channel_id TEXT,
    -- down | problem | event | test | channel
    kind TEXT NOT NULL,
    -- Stable per alert, at most 255 characters (PagerDuty's dedup_key).
    dedup_key TEXT NOT NULL,
    severity TEXT NOT NULL,
    summary TEXT NOT NULL,
    -- open | acknowledged | resolved
    status TEXT NOT NULL,
    -- The problem occurrence of a problem alert.
    problem_id BIGINT,
    -- The first alert of the message that announced it (itself when alone): one
    -- acknowledgement link acknowledges the whole group.
    group_id BIGINT,
    opened_at BIGINT NOT NULL,
    acknowledged_at BIGINT,
    acknowledged_by TEXT,
    ack_note TEXT,
    resolved_at BIGINT,
    resolved_reason TEXT
);
CREATE INDEX alerts_project ON alerts (project_id, id);
CREATE INDEX alerts_project_status ON alerts (project_id, status, id);
CREATE INDEX alerts_monitor_open ON alerts (monitor_id, kind) WHERE resolved_at IS NULL;
CREATE UNIQUE INDEX alerts_problem ON alerts (problem_id);
CREATE INDEX alerts_group ON alerts (group_id);
CREATE INDEX alerts_resolved ON alerts (resolved_at);
CREATE INDEX alerts_channel_open ON alerts (channel_id) WHERE resolved_at IS NULL;

-- Acknowledgement links: a random token per (alert group, channel), stored hashed; the
-- token is the credential, valid while the alert is not resolved.
CREATE TABLE ack_tokens (
    token_hash TEXT PRIMARY KEY,
    alert_id BIGINT NOT NULL,
    channel_id TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX ack_tokens_alert ON ack_tokens (alert_id);

ALTER TABLE outbox ADD COLUMN alert_id BIGINT;
-- trigger | resolve | acknowledge | escalate | once | digest
ALTER TABLE outbox ADD COLUMN transition TEXT;
-- E-mail is one message per recipient (a refused address neither blocks nor
-- duplicates the others): one row each, '' for channels with one destination.
ALTER TABLE outbox ADD COLUMN recipient TEXT NOT NULL DEFAULT '';
CREATE INDEX outbox_alert ON outbox (alert_id);

-- A project's fallback channels: told when another channel keeps failing.
ALTER TABLE channels ADD COLUMN is_fallback BOOLEAN NOT NULL DEFAULT 0;
-- A project's default channels: given to every new monitor.
ALTER TABLE channels ADD COLUMN is_default BOOLEAN NOT NULL DEFAULT 0;
-- Until now `?create=1` gave a new monitor every channel of its project: existing
-- channels become defaults, so that behaviour stays and API-created monitors get them too.
UPDATE channels SET is_default = 1;
