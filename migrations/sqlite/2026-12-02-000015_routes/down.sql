DROP TABLE route_groups;
DROP TABLE silences;
DROP TABLE alert_timers;
DROP TABLE routes;
