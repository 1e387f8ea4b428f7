-- A route's escalation steps may start over after the last one (timed from it) until
-- the alert is acknowledged or resolved. Loop rounds are escalate timers whose step
-- counts on past the last index (step mod number of steps).
ALTER TABLE routes ADD COLUMN escalate_loop BOOLEAN NOT NULL DEFAULT FALSE;
