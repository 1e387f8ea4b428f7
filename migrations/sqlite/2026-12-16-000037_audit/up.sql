-- The audit log (docs/security.md, "Audit log"): who changed what, when and from where,
-- one row per change written in the change's own unit of work. project_id is NULL for
-- what belongs to a person rather than a project (sign-ins): those are read in every
-- project the person is a member of. fields holds the changed fields as JSON, secrets
-- only as "changed". Pruned after OVERDUE_KEEP_AUDIT.
CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY,
    project_id TEXT,
    user_id TEXT,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    address TEXT NOT NULL,
    action TEXT NOT NULL,
    object TEXT NOT NULL,
    object_id TEXT,
    fields TEXT NOT NULL
);
CREATE INDEX audit_events_project ON audit_events (project_id, id);
CREATE INDEX audit_events_user ON audit_events (user_id, id);
CREATE INDEX audit_events_at ON audit_events (at);
