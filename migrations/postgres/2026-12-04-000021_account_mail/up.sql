-- Account mail (password resets, invitations, address confirmations) goes through the
-- outbox like alert mail: durable, retried and recorded (docs/security.md, "Account
-- mail"). It goes to no channel, and a reset belongs to no project, so both become
-- optional.
ALTER TABLE outbox ALTER COLUMN project_id DROP NOT NULL;
ALTER TABLE outbox ALTER COLUMN channel_id DROP NOT NULL;
