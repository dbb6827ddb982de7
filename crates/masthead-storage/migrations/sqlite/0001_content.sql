-- Content: staff users, posts and pages, tags, their ordered links, site settings.
-- Timestamps are UTC, stored as text in one format so they sort and compare correctly.

CREATE TABLE users (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    slug             TEXT NOT NULL UNIQUE,
    email            TEXT NOT NULL UNIQUE,
    status           TEXT NOT NULL DEFAULT 'active',
    bio              TEXT,
    profile_image    TEXT,
    cover_image      TEXT,
    website          TEXT,
    location         TEXT,
    twitter          TEXT,
    facebook         TEXT,
    meta_title       TEXT,
    meta_description TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);

CREATE TABLE posts (
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
    visibility            TEXT NOT NULL DEFAULT 'public' CHECK (visibility IN ('public', 'members', 'paid')),
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
    UNIQUE (type, slug)
);
CREATE INDEX posts_live ON posts (type, status, published_at DESC);

CREATE TABLE tags (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    slug             TEXT NOT NULL UNIQUE,
    description      TEXT,
    feature_image    TEXT,
    visibility       TEXT NOT NULL DEFAULT 'public' CHECK (visibility IN ('public', 'internal')),
    meta_title       TEXT,
    meta_description TEXT,
    accent_color     TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);

CREATE TABLE posts_tags (
    post_id    TEXT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    tag_id     TEXT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    sort_order INTEGER NOT NULL,
    PRIMARY KEY (post_id, tag_id)
);
CREATE INDEX posts_tags_tag ON posts_tags (tag_id);

CREATE TABLE posts_authors (
    post_id    TEXT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    author_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    sort_order INTEGER NOT NULL,
    PRIMARY KEY (post_id, author_id)
);
CREATE INDEX posts_authors_author ON posts_authors (author_id);

-- One row per setting; the value is JSON so lists (navigation) and nulls fit one column.
CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
