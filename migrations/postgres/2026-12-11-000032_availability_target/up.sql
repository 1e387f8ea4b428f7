-- The availability target of a project's reports, in thousandths of a percent (99500:
-- 99.5 %); NULL: the default (docs/behaviour.md, "Reports").
ALTER TABLE projects ADD COLUMN availability_target BIGINT;
