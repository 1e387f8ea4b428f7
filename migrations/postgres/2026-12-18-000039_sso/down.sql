ALTER TABLE memberships DROP COLUMN from_group;
DROP TABLE sso_logins;
DROP TABLE sso_identities;
