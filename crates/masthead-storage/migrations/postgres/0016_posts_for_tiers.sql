-- Posts may be limited to chosen tiers (Ghost's `visibility = 'tiers'`, with the tiers in
-- `posts_tiers`).
ALTER TABLE posts DROP CONSTRAINT posts_visibility_check;
ALTER TABLE posts ADD CONSTRAINT posts_visibility_check
    CHECK (visibility IN ('public', 'members', 'paid', 'tiers'));
