CREATE TABLE address_confirmations_old (
    token_hash TEXT NOT NULL PRIMARY KEY,
    email TEXT NOT NULL,
    invitation_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
INSERT INTO address_confirmations_old
    SELECT token_hash, email, invitation_hash, created_at, expires_at, used_at
    FROM address_confirmations WHERE invitation_hash IS NOT NULL;
DROP TABLE address_confirmations;
ALTER TABLE address_confirmations_old RENAME TO address_confirmations;
CREATE INDEX address_confirmations_email ON address_confirmations (email, created_at);
