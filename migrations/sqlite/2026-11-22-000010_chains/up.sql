-- Chains (SPEC §4): a chain is a monitor (schedule kind "none") whose runs are opened,
-- moved and closed by its members' pings; its rules hold the ordered members and the
-- end-to-end deadline. This table finds the chains of a member.
CREATE TABLE chain_members (
    chain_id TEXT NOT NULL,
    monitor_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (chain_id, monitor_id)
);
CREATE INDEX chain_members_monitor ON chain_members (monitor_id);
