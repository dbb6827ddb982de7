-- The live news feed: short timestamped updates. Every change (added, edited, deleted) takes the
-- next number from `feed_revision`, so open pages and readers coming back ask for "everything
-- after revision N" and miss nothing. A deleted item stays as a tombstone without its content,
-- so those readers hear of the deletion too.
CREATE TABLE feed_items (
    id           TEXT PRIMARY KEY,
    revision     INTEGER NOT NULL UNIQUE,
    headline     TEXT NOT NULL,
    body         TEXT NOT NULL,
    post_id      TEXT REFERENCES posts (id) ON DELETE SET NULL,
    image        TEXT,
    image_credit TEXT,
    author_id    TEXT REFERENCES users (id) ON DELETE SET NULL,
    key_event    BOOLEAN NOT NULL DEFAULT FALSE,
    pinned       BOOLEAN NOT NULL DEFAULT FALSE,
    published_at TEXT NOT NULL,
    edited_at    TEXT,
    deleted_at   TEXT,
    updated_at   TEXT NOT NULL
);
CREATE INDEX feed_items_newest ON feed_items (published_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX feed_items_updated ON feed_items (updated_at);

-- One row: the last revision given out. Taking the next one locks the row until the change
-- commits, so revisions are committed in order.
CREATE TABLE feed_revision (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value INTEGER NOT NULL
);
INSERT INTO feed_revision (id, value) VALUES (1, 0);

-- Editors' picks: a curated, ordered list of stories.
CREATE TABLE editors_picks (
    post_id  TEXT PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    added_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    added_at TEXT NOT NULL
);
