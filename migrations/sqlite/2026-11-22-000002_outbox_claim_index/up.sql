-- Claims read the oldest due entries in index order: (next_attempt_at, id), no sort.
CREATE INDEX outbox_claim ON outbox (next_attempt_at, id) WHERE state = 'pending';
DROP INDEX outbox_due;
