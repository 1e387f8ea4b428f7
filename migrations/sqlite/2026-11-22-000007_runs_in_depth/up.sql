-- Runs in depth (SPEC §2, §3): a run's step timeline (JSON list of {name, at}), its last
-- sign of life (for stall_timeout), progress, completion report and log; the detail of
-- a down reason (the step a run hung in) on monitors and flips; "up with warnings".
ALTER TABLE monitors ADD COLUMN down_detail TEXT;
ALTER TABLE monitors ADD COLUMN warned BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE flips ADD COLUMN detail TEXT;
ALTER TABLE runs ADD COLUMN steps TEXT;
ALTER TABLE runs ADD COLUMN active_at BIGINT;
ALTER TABLE runs ADD COLUMN progress_done BIGINT;
ALTER TABLE runs ADD COLUMN progress_total BIGINT;
ALTER TABLE runs ADD COLUMN progress_msg TEXT;
ALTER TABLE runs ADD COLUMN report TEXT;
ALTER TABLE runs ADD COLUMN report_error TEXT;
-- The log is kept as chunks: the head (chunks up to seq log_head_seq) and a tail whose
-- oldest chunks are dropped when it grows past the cap; sizes in bytes.
ALTER TABLE runs ADD COLUMN log_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN log_head_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN log_head_bytes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN log_tail_bytes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN log_dropped BIGINT NOT NULL DEFAULT 0;

CREATE TABLE run_logs (
    id INTEGER PRIMARY KEY,
    run_id BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    data BLOB NOT NULL
);
CREATE UNIQUE INDEX run_logs_run_seq ON run_logs (run_id, seq);
