-- More of the operator's limits per project (docs/security.md, "Limits"): channels,
-- flows and signals per second; NULL keeps the instance's setting.
ALTER TABLE project_limits ADD COLUMN max_channels BIGINT;
ALTER TABLE project_limits ADD COLUMN max_flows BIGINT;
ALTER TABLE project_limits ADD COLUMN max_events_per_second BIGINT;
