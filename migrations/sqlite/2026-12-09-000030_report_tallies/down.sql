ALTER TABLE projects DROP COLUMN hours_calendar;
DROP TABLE report_tallies;
