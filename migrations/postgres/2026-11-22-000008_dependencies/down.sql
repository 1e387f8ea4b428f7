ALTER TABLE monitors DROP COLUMN links;
DROP TABLE dependencies;
