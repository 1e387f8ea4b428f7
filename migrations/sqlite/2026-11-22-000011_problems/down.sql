DROP TABLE problems;
