ALTER TABLE flow_entities DROP COLUMN attributes;
