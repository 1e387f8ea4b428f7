-- Sign-up without an invitation (docs/security.md, "Sign-up"): an address confirmed
-- for a new account of its own has no invitation behind it.
ALTER TABLE address_confirmations ALTER COLUMN invitation_hash DROP NOT NULL;
