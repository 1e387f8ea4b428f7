-- Report counters kept beside each subject's own (docs/architecture.md, "Report
-- counters"): the whole project's per 15-minute bucket (subject '') and each subject's
-- per UTC month (subject 'm:<subject>'), so that a report over a project or a long
-- period reads few rows. Counters counted before are added to both here; pages were
-- counted for the project only and stay as they are.
INSERT INTO report_tallies (project_id, bucket, subject, metric, n)
SELECT project_id, bucket, '', metric, SUM(n) FROM report_tallies
WHERE subject <> '' AND subject NOT LIKE 'm:%'
GROUP BY project_id, bucket, metric
ON CONFLICT (project_id, bucket, subject, metric) DO UPDATE SET n = n + excluded.n;
INSERT INTO report_tallies (project_id, bucket, subject, metric, n)
SELECT project_id,
       CAST(strftime('%s', bucket / 1000, 'unixepoch', 'start of month') AS INTEGER) * 1000,
       'm:' || subject, metric, SUM(n)
FROM report_tallies
WHERE subject <> '' AND subject NOT LIKE 'm:%'
GROUP BY 1, 2, 3, 4
ON CONFLICT (project_id, bucket, subject, metric) DO UPDATE SET n = n + excluded.n;
