-- Flows (SPEC §6): per project, entities moving through ordered stages with an SLA
-- each. The stages are JSON read by the core's rules (one body for both databases).
CREATE TABLE flows (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    name TEXT NOT NULL,
    slug TEXT NOT NULL,
    -- JSON: {"stages": [{"name", "sla_ms", "severity"}], "terminal": [...]}
    definition TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '',
    -- How long finished entities are kept (their tombstone and history).
    retention_ms BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX flows_slug ON flows (project_id, slug);

-- One row per entity: its stage, when it entered it and when its SLA there ends. The
-- due time is the index the scheduler asks (as monitors' deadlines): no scan. A
-- finished entity keeps its row (the tombstone) until retention removes it.
CREATE TABLE flow_entities (
    flow_id TEXT NOT NULL,
    entity TEXT NOT NULL,
    stage TEXT NOT NULL,
    -- The stage's index; NULL once finished.
    stage_index INTEGER,
    entered_at BIGINT NOT NULL,
    -- When it entered the stage before (the floor of entered_at).
    floor_at BIGINT,
    -- The SLA's end while not breached; NULL once breached or finished.
    due_at BIGINT,
    -- The open breach alert.
    breach_alert BIGINT,
    finished_at BIGINT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (flow_id, entity)
);
CREATE INDEX flow_entities_due ON flow_entities (due_at) WHERE due_at IS NOT NULL;
CREATE INDEX flow_entities_stage ON flow_entities (flow_id, stage_index) WHERE finished_at IS NULL;
CREATE INDEX flow_entities_finished ON flow_entities (finished_at) WHERE finished_at IS NOT NULL;

-- Every event as received (the entity's history; applied: whether it moved it).
CREATE TABLE flow_events (
    id BIGSERIAL PRIMARY KEY,
    flow_id TEXT NOT NULL,
    entity TEXT NOT NULL,
    stage TEXT NOT NULL,
    at BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    applied BOOLEAN NOT NULL
);
CREATE INDEX flow_events_entity ON flow_events (flow_id, entity, id);
CREATE INDEX flow_events_received ON flow_events (received_at);

-- A flow breach is an alert about the flow (kind 'flow').
ALTER TABLE alerts ADD COLUMN flow_id TEXT;

-- Business calendars (working hours per weekday, holidays, a zone): a stage's SLA may
-- count only their working time. JSON read by the core's rules.
CREATE TABLE calendars (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    name TEXT NOT NULL,
    definition TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX calendars_name ON calendars (project_id, name);

-- Per stage counters by time bucket: `entered` and `breached` per minute (aggregates),
-- `t:<bin>` time in stage per hour and log-spaced bin (percentiles). A few rows per
-- stage and bucket, never one per entity.
CREATE TABLE flow_stats (
    flow_id TEXT NOT NULL,
    stage TEXT NOT NULL,
    metric TEXT NOT NULL,
    bucket BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (flow_id, stage, metric, bucket)
);
CREATE INDEX flow_stats_bucket ON flow_stats (bucket);

-- Open stage aggregates: one alert per (flow, stage) while many of its entities
-- breach. check_at is when it is next looked at (it resolves after a whole window
-- below the threshold, counted from below_since): a due time in an index.
CREATE TABLE flow_aggregates (
    flow_id TEXT NOT NULL,
    stage TEXT NOT NULL,
    alert_id BIGINT NOT NULL,
    below_since BIGINT,
    check_at BIGINT NOT NULL,
    PRIMARY KEY (flow_id, stage)
);
CREATE INDEX flow_aggregates_check ON flow_aggregates (check_at);
