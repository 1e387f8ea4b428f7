DROP TABLE page_overflow_alerts;
DROP TABLE page_overflows;
DROP INDEX outbox_channel_created;
