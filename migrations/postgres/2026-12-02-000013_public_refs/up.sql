-- A monitor's public reference (safe for readers; the ping code cannot be computed back
-- from it) → the monitor, for API paths and filters that name a monitor by it. Filled
-- by the application (SHA-256 of the ping code), also for monitors created before.
CREATE TABLE monitor_refs (
    public_ref TEXT PRIMARY KEY,
    monitor_id TEXT NOT NULL
);
CREATE INDEX monitor_refs_monitor ON monitor_refs (monitor_id);
