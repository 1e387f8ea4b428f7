-- A flow entity's attributes (docs/behaviour.md, "Flows (entity SLAs)"): the fields of
-- the latest event that moved it which the flow's mapping does not read (the customer,
-- the amount), as JSON of at most 4 KiB, shown on its page and in the NDJSON export.
ALTER TABLE flow_entities ADD COLUMN attributes TEXT;
