-- Dependencies between monitors (SPEC §4): `after` (a success of the upstream expects
-- this monitor within `within_ms`) and `on_failure` (the upstream going down expects
-- it). Edges stay inside one project; the API refuses cycles.
CREATE TABLE dependencies (
    monitor_id TEXT NOT NULL,
    upstream_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    within_ms BIGINT NOT NULL,
    PRIMARY KEY (monitor_id, upstream_id, kind)
);
CREATE INDEX dependencies_upstream ON dependencies (upstream_id);
-- A monitor's dependency state as one JSON object: the armed expectation (its time is
-- also the indexed deadline when it is the earliest) and whether its down was muted.
ALTER TABLE monitors ADD COLUMN links TEXT NOT NULL DEFAULT '{}';
