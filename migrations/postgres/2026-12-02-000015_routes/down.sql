DROP TABLE alert_timers;
DROP TABLE routes;
