-- An author's page at 100,000 stories. A prolific author has thousands of stories; counting
-- them and finding a deep page looked up each of the author's links in the posts table (to keep
-- the published stories and to order them). Each link now carries its story's place in the
-- public order, kept by the triggers below in the transaction that changes the story or adds the
-- link: `listed_at` is the story's `published_at` while it is a published post and NULL
-- otherwise, `listed_updated_at` its `updated_at`. Counting and paging are then a range of one
-- index. A later migration that rebuilds `posts` (SQLite's twelve-step procedure) must drop
-- `posts_authors_listed_insert`, which reads it, and create it again afterwards.
ALTER TABLE posts_authors ADD COLUMN listed_at TEXT;
ALTER TABLE posts_authors ADD COLUMN listed_updated_at TEXT;

UPDATE posts_authors SET (listed_at, listed_updated_at) = (
    SELECT CASE WHEN p.type = 'post' AND p.status = 'published' THEN p.published_at END, p.updated_at
    FROM posts p WHERE p.id = posts_authors.post_id
);

CREATE INDEX posts_authors_listed ON posts_authors (author_id, listed_at DESC, listed_updated_at DESC, post_id DESC)
    WHERE listed_at IS NOT NULL;

CREATE TRIGGER posts_authors_listed_insert AFTER INSERT ON posts_authors
BEGIN
    UPDATE posts_authors SET (listed_at, listed_updated_at) = (
        SELECT CASE WHEN p.type = 'post' AND p.status = 'published' THEN p.published_at END, p.updated_at
        FROM posts p WHERE p.id = NEW.post_id
    ) WHERE post_id = NEW.post_id AND author_id = NEW.author_id;
END;

CREATE TRIGGER posts_authors_listed_update AFTER UPDATE OF type, status, published_at, updated_at ON posts
    WHEN OLD.type IS NOT NEW.type OR OLD.status IS NOT NEW.status
        OR OLD.published_at IS NOT NEW.published_at OR OLD.updated_at IS NOT NEW.updated_at
BEGIN
    UPDATE posts_authors SET
        listed_at = CASE WHEN NEW.type = 'post' AND NEW.status = 'published' THEN NEW.published_at END,
        listed_updated_at = NEW.updated_at
    WHERE post_id = NEW.id;
END;
