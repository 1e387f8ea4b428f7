-- Badges (SPEC §8): public status images per tag or monitor slug, under a per-project
-- key that reveals nothing else (the ping key would let anyone ping by slug).
ALTER TABLE projects ADD COLUMN badge_key TEXT;
UPDATE projects SET badge_key = lower(hex(randomblob(12))) WHERE badge_key IS NULL;
CREATE UNIQUE INDEX projects_badge_key ON projects (badge_key);
