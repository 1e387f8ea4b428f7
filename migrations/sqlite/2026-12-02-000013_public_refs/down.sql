DROP TABLE monitor_refs;
