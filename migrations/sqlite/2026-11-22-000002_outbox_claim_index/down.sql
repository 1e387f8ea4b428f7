CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE state = 'pending';
DROP INDEX outbox_claim;
