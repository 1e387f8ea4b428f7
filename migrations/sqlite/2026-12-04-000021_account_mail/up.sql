-- Account mail (password resets, invitations, address confirmations) goes through the
-- outbox like alert mail: durable, retried and recorded (docs/security.md, "Account
-- mail"). It goes to no channel, and a reset belongs to no project, so both become
-- optional. SQLite cannot drop a NOT NULL: the table is rebuilt, with its indexes.
CREATE TABLE outbox_new (
    id INTEGER PRIMARY KEY,
    project_id TEXT,
    channel_id TEXT,
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
    SELECT id, project_id, channel_id, monitor_id, event, payload, idempotency_key, created_at, state, attempts, next_attempt_at, locked_by, locked_until, last_error, done_at, alert_id, transition, recipient FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_claim ON outbox (next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX outbox_order ON outbox (channel_id, monitor_id, id) WHERE state = 'pending';
CREATE INDEX outbox_alert ON outbox (alert_id);
CREATE INDEX outbox_channel_created ON outbox (channel_id, created_at);
