-- The site's stable identity, Ghost's `site_uuid`: a random (version 4) UUID, stored once as a
-- JSON string beside the settings. Nothing edits it afterwards.
INSERT INTO settings (key, value, updated_at)
SELECT 'site_uuid', '"' || gen_random_uuid()::text || '"', now()
WHERE NOT EXISTS (SELECT 1 FROM settings WHERE key = 'site_uuid');
