-- A tag's social cards, code injection and canonical URL, as Ghost keeps them, so a Ghost
-- site's tags come across whole and the API serves them instead of nulls.
ALTER TABLE tags ADD COLUMN og_image TEXT;
ALTER TABLE tags ADD COLUMN og_title TEXT;
ALTER TABLE tags ADD COLUMN og_description TEXT;
ALTER TABLE tags ADD COLUMN twitter_image TEXT;
ALTER TABLE tags ADD COLUMN twitter_title TEXT;
ALTER TABLE tags ADD COLUMN twitter_description TEXT;
ALTER TABLE tags ADD COLUMN codeinjection_head TEXT;
ALTER TABLE tags ADD COLUMN codeinjection_foot TEXT;
ALTER TABLE tags ADD COLUMN canonical_url TEXT;
