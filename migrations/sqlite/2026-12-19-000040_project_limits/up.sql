-- The operator's limits per project (docs/security.md, "Limits"): where a column is
-- set, it stands for that project instead of the instance's setting.
CREATE TABLE project_limits (
    project_id TEXT PRIMARY KEY NOT NULL,
    max_monitors BIGINT,
    max_streams BIGINT,
    updated_at BIGINT NOT NULL
);
