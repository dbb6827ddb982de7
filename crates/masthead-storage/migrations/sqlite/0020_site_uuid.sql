-- The site's stable identity, Ghost's `site_uuid`: a random (version 4) UUID, stored once as a
-- JSON string beside the settings. Nothing edits it afterwards.
INSERT INTO settings (key, value, updated_at)
SELECT 'site_uuid',
       '"' || lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4'
           || substr(lower(hex(randomblob(2))), 2) || '-'
           || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-'
           || lower(hex(randomblob(6))) || '"',
       strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE NOT EXISTS (SELECT 1 FROM settings WHERE key = 'site_uuid');
