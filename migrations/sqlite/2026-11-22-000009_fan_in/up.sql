-- Fan-out / fan-in (SPEC §4): a run started with children=N counts its children's ends;
-- children find their parent run by its rid (unique per project), hence the index.
ALTER TABLE runs ADD COLUMN children_expected INTEGER;
ALTER TABLE runs ADD COLUMN children_ok INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN children_failed INTEGER NOT NULL DEFAULT 0;
CREATE INDEX runs_rid ON runs (rid);
-- Each child's end, for the run view.
CREATE TABLE run_children (
    id INTEGER PRIMARY KEY,
    run_id BIGINT NOT NULL,
    monitor_id TEXT NOT NULL,
    rid TEXT,
    outcome TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX run_children_run ON run_children (run_id);
