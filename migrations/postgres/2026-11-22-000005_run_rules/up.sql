-- Run rules of a monitor (min_runtime, concurrency, down_after, up_after, and the ones
-- later issues add) as one JSON object, so new rules need no new column; and the
-- streaks that down_after / up_after count.
ALTER TABLE monitors ADD COLUMN rules TEXT NOT NULL DEFAULT '{}';
ALTER TABLE monitors ADD COLUMN fail_streak INTEGER NOT NULL DEFAULT 0;
ALTER TABLE monitors ADD COLUMN success_streak INTEGER NOT NULL DEFAULT 0;
