DROP TABLE chain_members;
