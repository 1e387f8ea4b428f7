-- Single sign-on (docs/security.md, "Single sign-on"): who a provider's subject is here;
-- the sign-ins under way (the state's hash, the nonce and PKCE verifier, until the
-- provider sends the person back; then, while their second factor is asked, the
-- person), dropped at their expiry; and which memberships the group mapping made
-- (it changes and removes only those).
CREATE TABLE sso_identities (
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    user_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX sso_identities_user ON sso_identities (user_id);
CREATE TABLE sso_logins (
    state_hash TEXT PRIMARY KEY NOT NULL,
    nonce TEXT NOT NULL,
    verifier TEXT NOT NULL,
    user_id TEXT,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sso_logins_expiry ON sso_logins (expires_at);
ALTER TABLE memberships ADD COLUMN from_group BOOLEAN NOT NULL DEFAULT 0;
