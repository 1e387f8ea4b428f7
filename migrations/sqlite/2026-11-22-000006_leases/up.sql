-- Exclusive leases (SPEC §4): at most one holder run per monitor, with a fencing token
-- that grows with every grant, so a stale holder's writes can be refused downstream.
CREATE TABLE leases (
    monitor_id TEXT NOT NULL PRIMARY KEY,
    rid TEXT NOT NULL,
    token BIGINT NOT NULL,
    ttl_ms BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
