DROP INDEX projects_badge_key;
ALTER TABLE projects DROP COLUMN badge_key;
