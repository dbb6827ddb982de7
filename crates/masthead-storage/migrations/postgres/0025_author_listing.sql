-- An author's page at 100,000 stories. A prolific author has thousands of stories; counting
-- them and finding a deep page looked up each of the author's links in the posts table (to keep
-- the published stories and to order them). Each link now carries its story's place in the
-- public order, kept by the triggers below in the transaction that changes the story or adds the
-- link: `listed_at` is the story's `published_at` while it is a published post and NULL
-- otherwise, `listed_updated_at` its `updated_at`. Counting and paging are then a range of one
-- index.
ALTER TABLE posts_authors ADD COLUMN listed_at TIMESTAMPTZ;
ALTER TABLE posts_authors ADD COLUMN listed_updated_at TIMESTAMPTZ;

UPDATE posts_authors x SET
    listed_at = CASE WHEN p.type = 'post' AND p.status = 'published' THEN p.published_at END,
    listed_updated_at = p.updated_at
FROM posts p WHERE p.id = x.post_id;

CREATE INDEX posts_authors_listed ON posts_authors (author_id, listed_at DESC, listed_updated_at DESC, post_id DESC)
    WHERE listed_at IS NOT NULL;

CREATE FUNCTION masthead_author_link_listed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT CASE WHEN p.type = 'post' AND p.status = 'published' THEN p.published_at END, p.updated_at
    INTO NEW.listed_at, NEW.listed_updated_at
    FROM posts p WHERE p.id = NEW.post_id;
    RETURN NEW;
END
$$;

CREATE FUNCTION masthead_story_listing_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE posts_authors SET
        listed_at = CASE WHEN NEW.type = 'post' AND NEW.status = 'published' THEN NEW.published_at END,
        listed_updated_at = NEW.updated_at
    WHERE post_id = NEW.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER posts_authors_listed_insert BEFORE INSERT ON posts_authors
    FOR EACH ROW EXECUTE FUNCTION masthead_author_link_listed();
CREATE TRIGGER posts_authors_listed_update AFTER UPDATE OF type, status, published_at, updated_at ON posts
    FOR EACH ROW
    WHEN (OLD.type IS DISTINCT FROM NEW.type OR OLD.status IS DISTINCT FROM NEW.status
        OR OLD.published_at IS DISTINCT FROM NEW.published_at OR OLD.updated_at IS DISTINCT FROM NEW.updated_at)
    EXECUTE FUNCTION masthead_story_listing_changed();
