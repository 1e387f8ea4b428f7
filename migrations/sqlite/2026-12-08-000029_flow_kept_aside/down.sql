DROP TABLE flow_seen;
DROP TABLE flow_kept_aside;
