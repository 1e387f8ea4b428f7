-- Report counters kept beside each subject's own (docs/architecture.md, "Report
-- counters"), each in a key range of its own so that a report reads only its rows: the
-- whole project's per 15-minute bucket and metric, and each subject's per UTC month.
-- Counters counted before are added to both; those of no subject (pages per channel, a
-- failing channel's alerts) move to the project's.
CREATE TABLE IF NOT EXISTS report_project (
    project_id TEXT NOT NULL,
    bucket BIGINT NOT NULL,
    metric TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (project_id, bucket, metric)
);
CREATE TABLE IF NOT EXISTS report_months (
    project_id TEXT NOT NULL,
    month BIGINT NOT NULL,
    subject TEXT NOT NULL,
    metric TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (project_id, month, subject, metric)
);
INSERT INTO report_project (project_id, bucket, metric, n)
SELECT project_id, bucket, metric, SUM(n)::bigint FROM report_tallies
GROUP BY project_id, bucket, metric
ON CONFLICT (project_id, bucket, metric)
DO UPDATE SET n = report_project.n + EXCLUDED.n;
INSERT INTO report_months (project_id, month, subject, metric, n)
SELECT project_id,
       (EXTRACT(EPOCH FROM date_trunc('month', to_timestamp(bucket / 1000) AT TIME ZONE 'UTC')))::bigint * 1000,
       subject, metric, SUM(n)::bigint
FROM report_tallies
WHERE subject <> ''
GROUP BY 1, 2, 3, 4
ON CONFLICT (project_id, month, subject, metric)
DO UPDATE SET n = report_months.n + EXCLUDED.n;
DELETE FROM report_tallies WHERE subject = '';
