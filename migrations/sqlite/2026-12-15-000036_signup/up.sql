-- Sign-up without an invitation (docs/security.md, "Sign-up"): an address confirmed
-- for a new account of its own has no invitation behind it. SQLite cannot drop a NOT
-- NULL, so the table is made again with its rows.
CREATE TABLE address_confirmations_new (
    token_hash TEXT NOT NULL PRIMARY KEY,
    email TEXT NOT NULL,
    invitation_hash TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
INSERT INTO address_confirmations_new
    SELECT token_hash, email, invitation_hash, created_at, expires_at, used_at
    FROM address_confirmations;
DROP TABLE address_confirmations;
ALTER TABLE address_confirmations_new RENAME TO address_confirmations;
CREATE INDEX address_confirmations_email ON address_confirmations (email, created_at);
