-- A project's time zone (an IANA name; empty: UTC): messages show times of monitors
-- without a zone of their own in it (docs/behaviour.md, "Channels").
ALTER TABLE projects ADD COLUMN tz TEXT NOT NULL DEFAULT '';
