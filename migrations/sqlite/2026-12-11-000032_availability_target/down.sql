ALTER TABLE projects DROP COLUMN availability_target;
