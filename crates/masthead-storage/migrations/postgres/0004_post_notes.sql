-- Corrections and updates attached to published stories, each with its own time.
CREATE TABLE post_notes (
    id         TEXT PRIMARY KEY,
    post_id    TEXT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('correction', 'update')),
    body       TEXT NOT NULL,
    noted_at   TIMESTAMPTZ NOT NULL,
    author_id  TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX post_notes_post ON post_notes (post_id, noted_at);

-- Every explicit save keeps the previous version of the story, for history and restore.
CREATE TABLE post_revisions (
    id         TEXT PRIMARY KEY,
    post_id    TEXT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    title      TEXT NOT NULL,
    markdown   TEXT,
    html       TEXT NOT NULL,
    author_id  TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX post_revisions_post ON post_revisions (post_id, created_at);
