-- The account page and the team page (issue 19).
--
-- Invitations get an id (to be listed and revoked without their secret token) and the
-- user who made them (named on the invitation page). Links made before keep working:
-- their id is derived from the token's hash, shaped like a UUID.
ALTER TABLE invitations ADD COLUMN id TEXT;
ALTER TABLE invitations ADD COLUMN invited_by TEXT;
UPDATE invitations SET id = substr(token_hash, 1, 8) || '-' || substr(token_hash, 9, 4)
    || '-' || substr(token_hash, 13, 4) || '-' || substr(token_hash, 17, 4) || '-'
    || substr(token_hash, 21, 12)
    WHERE id IS NULL;
CREATE UNIQUE INDEX invitations_id ON invitations (id);

-- "Forgot password": a link with a random token (stored hashed) for one user, valid one
-- hour, used once. Asking again within a minute sends nothing new (created_at).
CREATE TABLE password_resets (
    token_hash TEXT NOT NULL PRIMARY KEY,
    user_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX password_resets_user ON password_resets (user_id, created_at);
