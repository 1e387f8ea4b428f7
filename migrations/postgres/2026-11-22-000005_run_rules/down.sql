ALTER TABLE monitors DROP COLUMN success_streak;
ALTER TABLE monitors DROP COLUMN fail_streak;
ALTER TABLE monitors DROP COLUMN rules;
