ALTER TABLE projects DROP COLUMN require_second_factor;
DROP TABLE recovery_codes;
DROP TABLE second_factors;
