-- The sign-in gate (issue 27).
--
-- Attempts at a password or a token, counted per bucket ("ip <address>", "acct <e-mail>
-- <address>") in fixed windows. Kept in the database so that several instances share one
-- count; an attempt is reserved (count < limit, then +1) before any password is hashed.
CREATE TABLE auth_attempts (
    bucket TEXT NOT NULL PRIMARY KEY,
    attempts BIGINT NOT NULL,
    window_start BIGINT NOT NULL
);
CREATE INDEX auth_attempts_window ON auth_attempts (window_start);

-- A newcomer who takes an invitation proves the address first: a link mailed to it
-- (a random token stored hashed, valid one day, used once) lets them choose a password.
-- Until then no account exists.
CREATE TABLE address_confirmations (
    token_hash TEXT NOT NULL PRIMARY KEY,
    email TEXT NOT NULL,
    invitation_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX address_confirmations_email ON address_confirmations (email, created_at);
