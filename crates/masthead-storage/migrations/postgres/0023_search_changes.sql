-- The search index's change log. Every change to what search finds (a story's words, status,
-- visibility, tags or authors, or the name of a tag or author) adds a row naming the story, in
-- the transaction that makes the change, so no change can commit without its row. Each
-- instance keeps its own index and reads the log from the last position it indexed. Positions
-- are taken in order but may commit out of order (and a rolled-back one never appears), so a
-- reader waits a few seconds at a gap before passing it. Rows are pruned after a week; an index
-- that fell further behind is rebuilt.
CREATE TABLE search_changes (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    post_id    TEXT NOT NULL,
    changed_at BIGINT NOT NULL DEFAULT (extract(epoch FROM now())::bigint)
);
CREATE INDEX search_changes_age ON search_changes (changed_at);

CREATE FUNCTION masthead_search_story_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'posts' THEN
        IF TG_OP = 'DELETE' THEN
            INSERT INTO search_changes (post_id) VALUES (OLD.id);
        ELSE
            INSERT INTO search_changes (post_id) VALUES (NEW.id);
        END IF;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO search_changes (post_id) VALUES (OLD.post_id);
    ELSE
        INSERT INTO search_changes (post_id) VALUES (NEW.post_id);
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION masthead_search_name_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'tags' THEN
        INSERT INTO search_changes (post_id) SELECT post_id FROM posts_tags WHERE tag_id = NEW.id;
    ELSE
        INSERT INTO search_changes (post_id) SELECT post_id FROM posts_authors WHERE author_id = NEW.id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER posts_search_insert_delete AFTER INSERT OR DELETE ON posts
    FOR EACH ROW EXECUTE FUNCTION masthead_search_story_changed();
CREATE TRIGGER posts_search_update
    AFTER UPDATE OF type, title, slug, plaintext, custom_excerpt, status, visibility, published_at ON posts
    FOR EACH ROW EXECUTE FUNCTION masthead_search_story_changed();
CREATE TRIGGER posts_tags_search AFTER INSERT OR DELETE ON posts_tags
    FOR EACH ROW EXECUTE FUNCTION masthead_search_story_changed();
CREATE TRIGGER posts_authors_search AFTER INSERT OR DELETE ON posts_authors
    FOR EACH ROW EXECUTE FUNCTION masthead_search_story_changed();
CREATE TRIGGER tags_search_update AFTER UPDATE OF name, slug, visibility ON tags
    FOR EACH ROW EXECUTE FUNCTION masthead_search_name_changed();
CREATE TRIGGER users_search_update AFTER UPDATE OF name, slug ON users
    FOR EACH ROW EXECUTE FUNCTION masthead_search_name_changed();
