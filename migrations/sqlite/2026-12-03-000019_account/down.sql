DROP TABLE password_resets;
DROP INDEX invitations_id;
ALTER TABLE invitations DROP COLUMN invited_by;
ALTER TABLE invitations DROP COLUMN id;
