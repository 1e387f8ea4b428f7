-- Report counters (docs/behaviour.md, "Reports"): kept as alerts happen, in the unit
-- of work that opened, acknowledged or resolved them, per subject (a monitor's id,
-- `flow:<id>`, or '' for alerts about no monitor), 15-minute bucket and metric
-- (`alert|missed|error`, `ack|<bin>`, `page|<channel>` …). Reports read sums of these,
-- never pings or alerts. On SQLite the table is its primary key (WITHOUT ROWID): one
-- b-tree written per counter instead of a table and an index.
CREATE TABLE report_tallies (
    project_id TEXT NOT NULL,
    bucket BIGINT NOT NULL,
    subject TEXT NOT NULL,
    metric TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (project_id, bucket, subject, metric)
) WITHOUT ROWID;
-- The business calendar a project's reports count working hours by (a calendar's id).
ALTER TABLE projects ADD COLUMN hours_calendar TEXT;
