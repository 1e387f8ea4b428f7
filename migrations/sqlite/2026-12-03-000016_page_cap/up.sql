-- The page cap (SPEC §7): a paging channel takes at most `page_limit` new incidents in
-- ten minutes (counted from its outbox rows: the index below); the alerts beyond it
-- collapse into one overflow incident, resolved when the last of them resolves.
CREATE INDEX outbox_channel_created ON outbox (channel_id, created_at);

CREATE TABLE page_overflows (
    id INTEGER PRIMARY KEY,
    project_id TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    dedup_key TEXT NOT NULL,
    opened_at BIGINT NOT NULL,
    -- Set when its last alert resolved (the overflow incident was resolved then).
    closed_at BIGINT
);
CREATE INDEX page_overflows_open ON page_overflows (channel_id) WHERE closed_at IS NULL;

-- The alerts an overflow incident stands for; `open` until each resolves.
CREATE TABLE page_overflow_alerts (
    overflow_id BIGINT NOT NULL,
    alert_id BIGINT NOT NULL,
    open BOOLEAN NOT NULL DEFAULT 1,
    PRIMARY KEY (overflow_id, alert_id)
);
CREATE INDEX page_overflow_alerts_alert ON page_overflow_alerts (alert_id);
