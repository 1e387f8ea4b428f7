-- Account mail leaves the outbox (it has no channel to go back to).
CREATE TABLE outbox_new (
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
    done_at BIGINT,
    alert_id BIGINT,
    transition TEXT,
    recipient TEXT NOT NULL DEFAULT ''
);
INSERT INTO outbox_new (id, project_id, channel_id, monitor_id, event, payload, idempotency_key, created_at, state, attempts, next_attempt_at, locked_by, locked_until, last_error, done_at, alert_id, transition, recipient)
    SELECT id, project_id, channel_id, monitor_id, event, payload, idempotency_key, created_at, state, attempts, next_attempt_at, locked_by, locked_until, last_error, done_at, alert_id, transition, recipient FROM outbox WHERE project_id IS NOT NULL AND channel_id IS NOT NULL;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_claim ON outbox (next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX outbox_order ON outbox (channel_id, monitor_id, id) WHERE state = 'pending';
CREATE INDEX outbox_alert ON outbox (alert_id);
CREATE INDEX outbox_channel_created ON outbox (channel_id, created_at);
