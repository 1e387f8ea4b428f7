ALTER TABLE routes DROP COLUMN escalate_loop;
