DROP INDEX alerts_problem;
CREATE UNIQUE INDEX alerts_problem ON alerts (problem_id);
DROP INDEX alerts_group;
CREATE INDEX alerts_group ON alerts (group_id);
DROP INDEX alerts_resolved;
CREATE INDEX alerts_resolved ON alerts (resolved_at);
DROP INDEX alerts_channel_open;
CREATE INDEX alerts_channel_open ON alerts (channel_id) WHERE resolved_at IS NULL;
