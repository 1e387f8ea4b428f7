-- Invitations to a project: a link with a random token (stored hashed), for one e-mail
-- and role, valid 7 days, used once.
CREATE TABLE invitations (
    token_hash TEXT NOT NULL PRIMARY KEY,
    project_id TEXT NOT NULL,
    email TEXT NOT NULL,
    role TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    accepted_at BIGINT
);
CREATE INDEX invitations_project ON invitations (project_id);
