-- no-transaction
-- Posts may be limited to chosen tiers (Ghost's `visibility = 'tiers'`, with the tiers in
-- `posts_tiers`). SQLite cannot change a CHECK constraint in place, so the table is rebuilt
-- (SQLite's documented twelve-step procedure). Foreign keys are off meanwhile, or dropping the
-- old table would cascade into every table that refers to posts; children keep referring to
-- `posts` by name, so they point at the new table once it is renamed. The column order is the
-- old table's (0001 plus 0005's two columns), so the copy is `SELECT *`.
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE posts_rebuilt (
    id                    TEXT PRIMARY KEY,
    uuid                  TEXT NOT NULL UNIQUE,
    type                  TEXT NOT NULL CHECK (type IN ('post', 'page')),
    title                 TEXT NOT NULL,
    slug                  TEXT NOT NULL,
    markdown              TEXT,
    html                  TEXT NOT NULL,
    plaintext             TEXT NOT NULL,
    feature_image         TEXT,
    feature_image_alt     TEXT,
    feature_image_caption TEXT,
    feature_image_credit  TEXT,
    custom_excerpt        TEXT,
    status                TEXT NOT NULL CHECK (status IN ('draft', 'scheduled', 'published', 'sent')),
    visibility            TEXT NOT NULL DEFAULT 'public' CHECK (visibility IN ('public', 'members', 'paid', 'tiers')),
    featured              BOOLEAN NOT NULL DEFAULT FALSE,
    reading_time          INTEGER NOT NULL DEFAULT 0,
    meta_title            TEXT,
    meta_description      TEXT,
    og_image              TEXT,
    og_title              TEXT,
    og_description        TEXT,
    twitter_image         TEXT,
    twitter_title         TEXT,
    twitter_description   TEXT,
    canonical_url         TEXT,
    published_at          TEXT,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL,
    content_updated_at    TEXT,
    newsletter_id         TEXT REFERENCES newsletters (id) ON DELETE SET NULL,
    email_segment         TEXT,
    UNIQUE (type, slug)
);
INSERT INTO posts_rebuilt SELECT * FROM posts;
DROP TABLE posts;
ALTER TABLE posts_rebuilt RENAME TO posts;
CREATE INDEX posts_live ON posts (type, status, published_at DESC);
COMMIT;
PRAGMA foreign_keys = ON;
