-- Counting and paging through the published stories at 100,000 of them. The listing index
-- carries each story's slug, image and update time for the sitemaps, which makes it six times
-- larger than what counting the home page's stories, or skipping to a page deep in the archive,
-- needs: this narrow one is read instead. Both it and the by-id index carry `updated_at`, the
-- tie-breaker of Ghost's order (`published_at DESC, updated_at DESC, id DESC`), so that a
-- Content API browse (a tag's stories since a date, say) is ordered without reading a row.
CREATE INDEX posts_recent ON posts (type, status, published_at DESC, updated_at DESC, id DESC);
DROP INDEX posts_id_listing;
CREATE INDEX posts_id_listing ON posts (id, type, status, published_at, updated_at);
