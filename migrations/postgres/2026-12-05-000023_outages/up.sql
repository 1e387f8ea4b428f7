-- Overdue's own outages (the gaps between heartbeats longer than 3 s), so uptime can
-- leave them out (docs/behaviour.md, "Uptime").
CREATE TABLE service_outages (
    started_at BIGINT NOT NULL,
    ended_at BIGINT NOT NULL
);
CREATE INDEX service_outages_ended ON service_outages (ended_at);
