-- Flow events that could not be read (docs/behaviour.md, "What senders send"): kept
-- aside with the reason and the raw message (cut to 16 KiB) instead of being refused,
-- listed on the Flows page and by GET /api/v1/kept-aside, pruned after 7 days. A
-- message whose flow is unknown keeps flow_id NULL.
CREATE TABLE flow_kept_aside (
    id INTEGER PRIMARY KEY,
    project_id TEXT NOT NULL,
    flow_id TEXT,
    source TEXT NOT NULL,
    reason TEXT NOT NULL,
    raw TEXT NOT NULL,
    size BIGINT NOT NULL,
    received_at BIGINT NOT NULL
);
CREATE INDEX flow_kept_aside_project ON flow_kept_aside (project_id, id);
CREATE INDEX flow_kept_aside_received ON flow_kept_aside (received_at);
-- Message ids already applied per flow (the broker's message id, a CloudEvent's source
-- and id, a Pub/Sub messageId): a message delivered again is not applied again. Pruned
-- after 7 days.
CREATE TABLE flow_seen (
    flow_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    seen_at BIGINT NOT NULL,
    PRIMARY KEY (flow_id, message_id)
);
CREATE INDEX flow_seen_at ON flow_seen (seen_at);
