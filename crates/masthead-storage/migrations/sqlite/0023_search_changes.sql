-- The search index's change log. Every change to what search finds (a story's words, status,
-- visibility, tags or authors, or the name of a tag or author) adds a row naming the story, in
-- the transaction that makes the change, so no change can commit without its row. Each
-- instance keeps its own index and reads the log from the last position it indexed. Rows are
-- pruned after a week; an index that fell further behind is rebuilt.
CREATE TABLE search_changes (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    post_id    TEXT NOT NULL,
    changed_at INTEGER NOT NULL DEFAULT (CAST(strftime('%s', 'now') AS INTEGER))
);
CREATE INDEX search_changes_age ON search_changes (changed_at);

CREATE TRIGGER posts_search_insert AFTER INSERT ON posts
BEGIN
    INSERT INTO search_changes (post_id) VALUES (NEW.id);
END;
CREATE TRIGGER posts_search_update
    AFTER UPDATE OF type, title, slug, plaintext, custom_excerpt, status, visibility, published_at ON posts
BEGIN
    INSERT INTO search_changes (post_id) VALUES (NEW.id);
END;
CREATE TRIGGER posts_search_delete AFTER DELETE ON posts
BEGIN
    INSERT INTO search_changes (post_id) VALUES (OLD.id);
END;
CREATE TRIGGER posts_tags_search_insert AFTER INSERT ON posts_tags
BEGIN
    INSERT INTO search_changes (post_id) VALUES (NEW.post_id);
END;
CREATE TRIGGER posts_tags_search_delete AFTER DELETE ON posts_tags
BEGIN
    INSERT INTO search_changes (post_id) VALUES (OLD.post_id);
END;
CREATE TRIGGER posts_authors_search_insert AFTER INSERT ON posts_authors
BEGIN
    INSERT INTO search_changes (post_id) VALUES (NEW.post_id);
END;
CREATE TRIGGER posts_authors_search_delete AFTER DELETE ON posts_authors
BEGIN
    INSERT INTO search_changes (post_id) VALUES (OLD.post_id);
END;
CREATE TRIGGER tags_search_update AFTER UPDATE OF name, slug, visibility ON tags
BEGIN
    INSERT INTO search_changes (post_id) SELECT post_id FROM posts_tags WHERE tag_id = NEW.id;
END;
CREATE TRIGGER users_search_update AFTER UPDATE OF name, slug ON users
BEGIN
    INSERT INTO search_changes (post_id) SELECT post_id FROM posts_authors WHERE author_id = NEW.id;
END;
