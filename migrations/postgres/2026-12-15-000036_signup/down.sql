DELETE FROM address_confirmations WHERE invitation_hash IS NULL;
ALTER TABLE address_confirmations ALTER COLUMN invitation_hash SET NOT NULL;
