-- Status keys (docs/behaviour.md, "Pings"): a monitor may hand out one heartbeat URL per
-- status — start, success, fail — that records that status with a plain GET, as the
-- heartbeat articles' START/SUCCESS/FAILURE keys do. The key is the credential (as a
-- ping code is) and names its monitor and status.
CREATE TABLE status_keys (
    key TEXT PRIMARY KEY,
    monitor_id TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX status_keys_monitor ON status_keys (monitor_id);
