ALTER TABLE ack_tokens DROP COLUMN recipient;
