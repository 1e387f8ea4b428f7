-- Public status pages (docs/behaviour.md, "Status pages"): each read by anyone with its
-- key (in its URL, like the badge key), showing the monitors of its scope under the
-- names the owner chose (aliases: a JSON object, public reference -> name), less those
-- hidden (a JSON array of public references).
CREATE TABLE status_pages (
    id TEXT PRIMARY KEY NOT NULL,
    project_id TEXT NOT NULL,
    key TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    scope TEXT NOT NULL,
    aliases TEXT NOT NULL,
    hidden TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX status_pages_project ON status_pages (project_id);
