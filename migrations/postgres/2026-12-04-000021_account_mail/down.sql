-- Account mail leaves the outbox (it has no channel to go back to).
DELETE FROM outbox WHERE project_id IS NULL OR channel_id IS NULL;
ALTER TABLE outbox ALTER COLUMN project_id SET NOT NULL;
ALTER TABLE outbox ALTER COLUMN channel_id SET NOT NULL;
