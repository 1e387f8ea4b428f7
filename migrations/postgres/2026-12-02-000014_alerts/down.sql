DROP INDEX outbox_alert;
ALTER TABLE outbox DROP COLUMN transition;
ALTER TABLE outbox DROP COLUMN alert_id;
ALTER TABLE outbox DROP COLUMN recipient;
ALTER TABLE channels DROP COLUMN is_default;
ALTER TABLE channels DROP COLUMN is_fallback;
DROP TABLE ack_tokens;
DROP TABLE alerts;
