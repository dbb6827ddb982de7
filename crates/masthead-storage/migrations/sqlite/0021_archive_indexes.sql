-- Indexes for an archive of a hundred thousand stories. Lists of published stories (the home
-- page, the Content API, sitemaps) page through (type, status, published_at, id) without
-- reading a single row, and a sitemap file is read from that index alone; a tag's or an author's list starts from its links and checks each
-- story through (id, type, status, published_at), again without reading the rows, whose bodies
-- make them large.
DROP INDEX posts_live;
CREATE INDEX posts_listing ON posts (type, status, published_at DESC, id DESC, updated_at, slug, feature_image);
CREATE INDEX posts_id_listing ON posts (id, type, status, published_at);
DROP INDEX posts_tags_tag;
CREATE INDEX posts_tags_listing ON posts_tags (tag_id, post_id);
DROP INDEX posts_authors_author;
CREATE INDEX posts_authors_listing ON posts_authors (author_id, post_id);
