-- The live news feed: short timestamped updates. Every change (added, edited, deleted) takes the
-- next number from `feed_revision`, so open pages and readers coming back ask for "everything
-- after revision N" and miss nothing. A deleted item stays as a tombstone without its content,
-- so those readers hear of the deletion too.
CREATE TABLE feed_items (
    id           TEXT PRIMARY KEY,
    revision     BIGINT NOT NULL UNIQUE,
    headline     TEXT NOT NULL,
    body         TEXT NOT NULL,
    post_id      TEXT REFERENCES posts (id) ON DELETE SET NULL,
    image        TEXT,
    image_credit TEXT,
    author_id    TEXT REFERENCES users (id) ON DELETE SET NULL,
    key_event    BOOLEAN NOT NULL DEFAULT FALSE,
    pinned       BOOLEAN NOT NULL DEFAULT FALSE,
    published_at TIMESTAMPTZ NOT NULL,
    edited_at    TIMESTAMPTZ,
    deleted_at   TIMESTAMPTZ,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX feed_items_newest ON feed_items (published_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX feed_items_updated ON feed_items (updated_at);

-- One row: the last revision given out. Taking the next one locks the row until the change
-- commits, so revisions are committed in order.
CREATE TABLE feed_revision (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value BIGINT NOT NULL
);
INSERT INTO feed_revision (id, value) VALUES (1, 0);

-- Editors' picks: a curated, ordered list of stories.
CREATE TABLE editors_picks (
    post_id  TEXT PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    added_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    added_at TIMESTAMPTZ NOT NULL
);

-- Feed items and picks are announced to every instance like the rest of the content: a feed
-- item by id (its deletion is an update to a tombstone), the picks as one list.
CREATE OR REPLACE FUNCTION masthead_announce_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    payload json;
BEGIN
    IF TG_TABLE_NAME = 'posts' THEN
        IF TG_OP = 'DELETE' THEN
            payload := json_build_object('kind', 'post', 'id', OLD.id, 'type', OLD.type);
        ELSE
            payload := json_build_object('kind', 'post', 'id', NEW.id, 'type', NEW.type);
        END IF;
    ELSIF TG_TABLE_NAME = 'posts_tags' THEN
        IF TG_OP = 'DELETE' THEN
            payload := json_build_object('kind', 'post', 'id', OLD.post_id, 'tag', OLD.tag_id);
        ELSE
            payload := json_build_object('kind', 'post', 'id', NEW.post_id, 'tag', NEW.tag_id);
        END IF;
    ELSIF TG_TABLE_NAME = 'posts_authors' THEN
        IF TG_OP = 'DELETE' THEN
            payload := json_build_object('kind', 'post', 'id', OLD.post_id, 'author', OLD.author_id);
        ELSE
            payload := json_build_object('kind', 'post', 'id', NEW.post_id, 'author', NEW.author_id);
        END IF;
    ELSIF TG_TABLE_NAME = 'tags' THEN
        IF TG_OP = 'DELETE' THEN
            payload := json_build_object('kind', 'tag', 'id', OLD.id);
        ELSE
            payload := json_build_object('kind', 'tag', 'id', NEW.id);
        END IF;
    ELSIF TG_TABLE_NAME = 'users' THEN
        IF TG_OP = 'DELETE' THEN
            payload := json_build_object('kind', 'author', 'id', OLD.id);
        ELSE
            payload := json_build_object('kind', 'author', 'id', NEW.id);
        END IF;
    ELSIF TG_TABLE_NAME = 'settings' THEN
        payload := json_build_object('kind', 'settings');
    ELSIF TG_TABLE_NAME = 'feed_items' THEN
        payload := json_build_object('kind', 'feed', 'id', NEW.id);
    ELSIF TG_TABLE_NAME = 'editors_picks' THEN
        payload := json_build_object('kind', 'picks');
    ELSE
        -- Newsletters (every page's sign-up form lists them) and anything else: everything.
        payload := json_build_object('kind', 'everything');
    END IF;
    PERFORM pg_notify('masthead_changes',
        (jsonb_build_object('schema', current_schema()) || payload::jsonb)::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER feed_items_announce AFTER INSERT OR UPDATE ON feed_items
    FOR EACH ROW EXECUTE FUNCTION masthead_announce_change();
CREATE TRIGGER editors_picks_announce AFTER INSERT OR UPDATE OR DELETE ON editors_picks
    FOR EACH ROW EXECUTE FUNCTION masthead_announce_change();
