DROP TABLE run_children;
DROP INDEX runs_rid;
ALTER TABLE runs DROP COLUMN children_failed;
ALTER TABLE runs DROP COLUMN children_ok;
ALTER TABLE runs DROP COLUMN children_expected;
