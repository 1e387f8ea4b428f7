-- Overdue's first schema. Ids are UUID text, timestamps unix milliseconds (BIGINT):
-- the same shapes on SQLite and PostgreSQL. No foreign keys on the hot tables (pings,
-- runs): deletes are done explicitly in one transaction, and inserts skip FK checks.

CREATE TABLE projects (
    id TEXT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    ping_key TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

CREATE TABLE api_keys (
    id TEXT NOT NULL PRIMARY KEY,
    project_id TEXT NOT NULL,
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    read_only BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX api_keys_project ON api_keys (project_id);

CREATE TABLE monitors (
    id TEXT NOT NULL PRIMARY KEY,
    project_id TEXT NOT NULL,
    name TEXT NOT NULL,
    slug TEXT,
    description TEXT NOT NULL,
    tags TEXT NOT NULL,
    schedule_kind TEXT NOT NULL,
    period_ms BIGINT,
    cron_expr TEXT,
    tz TEXT NOT NULL,
    grace_ms BIGINT NOT NULL,
    max_runtime_ms BIGINT,
    methods TEXT NOT NULL,
    manual_resume BOOLEAN NOT NULL,
    status TEXT NOT NULL,
    down_reason TEXT,
    last_ping_at BIGINT,
    last_success_at BIGINT,
    run_started_at BIGINT,
    next_due_at BIGINT,
    deadline_at BIGINT,
    deadline_kind TEXT,
    last_duration_ms BIGINT,
    n_pings BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX monitors_project ON monitors (project_id);
CREATE UNIQUE INDEX monitors_project_slug ON monitors (project_id, slug);
-- The scheduler's index: only monitors that can go down are in it.
CREATE INDEX monitors_deadline ON monitors (deadline_at) WHERE deadline_at IS NOT NULL;

CREATE TABLE pings (
    id INTEGER PRIMARY KEY,
    monitor_id TEXT NOT NULL,
    n BIGINT NOT NULL,
    kind TEXT NOT NULL,
    exit_status INTEGER,
    created_at BIGINT NOT NULL,
    rid TEXT,
    method TEXT NOT NULL,
    scheme TEXT NOT NULL,
    remote_addr TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    body BLOB NOT NULL,
    body_size BIGINT NOT NULL,
    duration_ms BIGINT
);
CREATE INDEX pings_monitor_n ON pings (monitor_id, n);

CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    monitor_id TEXT NOT NULL,
    rid TEXT,
    started_at BIGINT NOT NULL,
    ended_at BIGINT,
    outcome TEXT,
    duration_ms BIGINT,
    exit_status INTEGER
);
CREATE INDEX runs_monitor ON runs (monitor_id, started_at);
CREATE INDEX runs_open ON runs (monitor_id) WHERE ended_at IS NULL;

CREATE TABLE flips (
    id INTEGER PRIMARY KEY,
    monitor_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    reason TEXT
);
CREATE INDEX flips_monitor ON flips (monitor_id, created_at);

CREATE TABLE channels (
    id TEXT NOT NULL PRIMARY KEY,
    project_id TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    config TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX channels_project ON channels (project_id);

CREATE TABLE monitor_channels (
    monitor_id TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    PRIMARY KEY (monitor_id, channel_id)
);
CREATE INDEX monitor_channels_channel ON monitor_channels (channel_id);

-- Notifications to deliver, written in the transaction of the flip that caused them.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    project_id TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    monitor_id TEXT,
    event TEXT NOT NULL,
    payload TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    locked_by TEXT,
    locked_until BIGINT,
    last_error TEXT,
    done_at BIGINT
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE state = 'pending';
CREATE INDEX outbox_order ON outbox (channel_id, monitor_id, id) WHERE state = 'pending';

CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY,
    outbox_id BIGINT NOT NULL,
    channel_id TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    attempted_at BIGINT NOT NULL,
    status_code INTEGER,
    error TEXT,
    duration_ms BIGINT NOT NULL
);
CREATE INDEX deliveries_channel ON deliveries (channel_id, attempted_at);

-- Small service-wide facts, e.g. the last time any instance was alive.
CREATE TABLE service_state (
    key TEXT NOT NULL PRIMARY KEY,
    value BIGINT NOT NULL
);
