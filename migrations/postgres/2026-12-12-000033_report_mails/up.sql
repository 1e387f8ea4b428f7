-- A project's summary by e-mail (docs/behaviour.md, "The report by e-mail"): weekly or
-- monthly, to its addresses (a JSON array), at a minute of the day in the project's
-- zone. due_at is when it next goes out: the scheduler reads the earliest through the
-- index and claims a due row with a conditional update.
CREATE TABLE report_mails (
    project_id TEXT PRIMARY KEY NOT NULL,
    every TEXT NOT NULL,
    recipients TEXT NOT NULL,
    at_minute INTEGER NOT NULL,
    due_at BIGINT NOT NULL
);
CREATE INDEX report_mails_due ON report_mails (due_at);
