DROP TABLE status_keys;
