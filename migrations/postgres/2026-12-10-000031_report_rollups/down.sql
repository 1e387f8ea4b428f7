DELETE FROM report_tallies WHERE subject LIKE 'm:%';
DELETE FROM report_tallies WHERE subject = '' AND metric NOT LIKE 'page|%';
