ALTER TABLE ack_tokens DROP COLUMN alert_ids;
DROP TABLE storm_members;
DROP TABLE storms;
ALTER TABLE projects DROP COLUMN storm_interval_ms;
ALTER TABLE projects DROP COLUMN storm_wait_ms;
