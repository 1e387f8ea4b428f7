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
    channels TEXT NOT NULL,
    continue_matching BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX routes_project ON routes (project_id, position);
