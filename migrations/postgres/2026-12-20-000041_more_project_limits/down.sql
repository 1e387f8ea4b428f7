ALTER TABLE project_limits DROP COLUMN max_events_per_second;
ALTER TABLE project_limits DROP COLUMN max_flows;
ALTER TABLE project_limits DROP COLUMN max_channels;
