-- Each recipient of an e-mail channel gets their own acknowledgement link: the token
-- remembers the address it was sent to, so "acknowledged by" names the person.
ALTER TABLE ack_tokens ADD COLUMN recipient TEXT;
