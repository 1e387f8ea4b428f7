DROP TABLE address_confirmations;
DROP TABLE auth_attempts;
