-- Storms (docs/behaviour.md, "Storms"): a project gathers the alerts that open (and
-- resolve) together. Its setting: wait 0 means off.
ALTER TABLE projects ADD COLUMN storm_wait_ms BIGINT NOT NULL DEFAULT 30000;
ALTER TABLE projects ADD COLUMN storm_interval_ms BIGINT NOT NULL DEFAULT 300000;

-- Where each project's storm stands, one row per direction (down, up): when its last
-- message went out, how many gathered ones followed the first, and when the alerts
-- gathered now go out (their timers are `storm` rows of alert_timers).
CREATE TABLE storms (
    project_id TEXT NOT NULL,
    direction TEXT NOT NULL,
    last_sent_at BIGINT NOT NULL,
    batches INTEGER NOT NULL DEFAULT 0,
    pending_until BIGINT,
    PRIMARY KEY (project_id, direction)
);

-- The alerts a gathered message told a channel of, with each alert's own message:
-- who to tell of its resolution, and what its reminders repeat.
CREATE TABLE storm_members (
    alert_id BIGINT NOT NULL,
    channel_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    PRIMARY KEY (alert_id, channel_id)
);

-- A gathered message's link acknowledges the alerts it named (space-separated ids).
ALTER TABLE ack_tokens ADD COLUMN alert_ids TEXT;
