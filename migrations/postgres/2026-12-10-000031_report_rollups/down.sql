INSERT INTO report_tallies (project_id, bucket, subject, metric, n)
SELECT project_id, bucket, '', metric, n FROM report_project WHERE metric LIKE 'page|%';
DROP TABLE report_months;
DROP TABLE report_project;
