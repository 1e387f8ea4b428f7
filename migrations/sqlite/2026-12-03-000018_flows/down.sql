DROP TABLE flow_aggregates;
DROP TABLE flow_stats;
DROP TABLE calendars;
ALTER TABLE alerts DROP COLUMN flow_id;
DROP TABLE flow_events;
DROP TABLE flow_entities;
DROP TABLE flows;
