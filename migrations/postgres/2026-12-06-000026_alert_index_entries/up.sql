-- Index entries only for the alerts that have the value. A monitor's alert opens with no
-- problem, group, channel or resolution, and each of these four indexes took a NULL
-- entry for it, written in every flip's commit (docs/benchmarks.md, "Session 23").
-- Every query on these columns compares them to a value, which implies NOT NULL, so
-- both databases still use the indexes.
DROP INDEX alerts_problem;
CREATE UNIQUE INDEX alerts_problem ON alerts (problem_id) WHERE problem_id IS NOT NULL;
DROP INDEX alerts_group;
CREATE INDEX alerts_group ON alerts (group_id) WHERE group_id IS NOT NULL;
DROP INDEX alerts_resolved;
CREATE INDEX alerts_resolved ON alerts (resolved_at) WHERE resolved_at IS NOT NULL;
DROP INDEX alerts_channel_open;
CREATE INDEX alerts_channel_open ON alerts (channel_id)
    WHERE resolved_at IS NULL AND channel_id IS NOT NULL;
