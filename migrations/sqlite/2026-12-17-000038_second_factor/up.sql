-- The second factor (docs/security.md, "Second factor"): one TOTP secret per person
-- (being enrolled: pending; in use: secret, with the last step accepted so a code
-- signs in once), ten recovery codes stored as SHA-256 hashes, used once; and an
-- owner's requirement that a project's members have one.
CREATE TABLE second_factors (
    user_id TEXT PRIMARY KEY NOT NULL,
    secret TEXT,
    pending TEXT,
    last_step BIGINT,
    enabled_at BIGINT
);
CREATE TABLE recovery_codes (
    user_id TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (user_id, code_hash)
);
ALTER TABLE projects ADD COLUMN require_second_factor BOOLEAN NOT NULL DEFAULT 0;
