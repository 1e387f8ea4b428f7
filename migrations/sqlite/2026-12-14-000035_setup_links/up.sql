-- One-time setup links (docs/security.md, "The first account"): while an instance has
-- no account, `overdue serve` prints a link with a random token; only its hash is kept,
-- and only that link creates the first owner. Used or not, they all go once it exists.
CREATE TABLE setup_links (
    token_hash TEXT PRIMARY KEY NOT NULL,
    created_at BIGINT NOT NULL
);
