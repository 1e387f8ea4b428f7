-- Problems (SPEC §5): one failing unit of a monitor, keyed by a string. An occurrence
-- is open while resolved_at is NULL; at most one open occurrence per (monitor, key).
CREATE TABLE problems (
    id INTEGER PRIMARY KEY,
    project_id TEXT NOT NULL,
    monitor_id TEXT NOT NULL,
    key TEXT NOT NULL,
    severity TEXT NOT NULL,
    -- The highest severity notified for this occurrence (NULL: none).
    notified TEXT,
    message TEXT NOT NULL,
    details TEXT,
    count BIGINT NOT NULL,
    first_seen_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    resolved_at BIGINT,
    resolved_by TEXT,
    -- "after <duration>" monitors: when it resolves without a new report (indexed).
    resolve_at BIGINT,
    -- The older occurrence this one reopens.
    previous_id BIGINT,
    acknowledged_at BIGINT,
    acknowledged_by TEXT,
    assignee TEXT,
    note TEXT,
    ticket TEXT,
    muted_until BIGINT,
    -- The run that last reported it (an open run of the monitor: by rid, or the only one).
    run_id BIGINT,
    overflow BOOLEAN NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX problems_open_key ON problems (monitor_id, key) WHERE resolved_at IS NULL;
CREATE INDEX problems_open_seen ON problems (monitor_id, last_seen_at) WHERE resolved_at IS NULL;
CREATE INDEX problems_key ON problems (monitor_id, key, id);
CREATE INDEX problems_project ON problems (project_id, id);
CREATE INDEX problems_resolve_at ON problems (resolve_at) WHERE resolve_at IS NOT NULL;
CREATE INDEX problems_resolved ON problems (resolved_at) WHERE resolved_at IS NOT NULL;
CREATE INDEX problems_run ON problems (run_id) WHERE run_id IS NOT NULL;
