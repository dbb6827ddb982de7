-- no-transaction
-- Guest contributors: op-ed writers, stringers and partner outlets get an author profile (name,
-- bio, photo, links) and bylines like any author, but no account. A guest is a row of `users`
-- with `kind = 'guest'` and no email address, no password and no role, so no sign-in, reset or
-- invitation path can reach one (they all start from an email address or a session), and they
-- are left out of staff lists. Keeping guests in `users` means `posts_authors` and everything
-- that reads authors (bylines, author pages, the Content API, JSON-LD, feeds) needs no change.
--
-- `email` and `role` were NOT NULL, which SQLite cannot relax in place: the table is rebuilt
-- (SQLite's twelve-step procedure). Dropping `users` inside a transaction with foreign keys on
-- would cascade to staff sessions, presence and story authorship, and set note and revision
-- authors to NULL; and `PRAGMA foreign_keys` is a no-op inside a transaction. So this file runs
-- outside sqlx's transaction (the first line), turns foreign keys off, does the rebuild in a
-- transaction of its own, and turns them back on. The rebuild keeps every id, so no reference
-- changes. The index and trigger on `users` go with the old table and are made again.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;

CREATE TABLE users_rebuilt (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    slug             TEXT NOT NULL UNIQUE,
    email            TEXT UNIQUE,
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
    updated_at       TEXT NOT NULL,
    role             TEXT DEFAULT 'contributor'
        CHECK (role IN ('contributor', 'author', 'editor', 'administrator', 'owner')),
    password_hash    TEXT,
    kind             TEXT NOT NULL DEFAULT 'staff' CHECK (kind IN ('staff', 'guest')),
    -- Staff sign in with an email address and have a role; a guest has neither, nor a password.
    CONSTRAINT users_guest_has_no_account CHECK (
        (kind = 'staff' AND email IS NOT NULL AND role IS NOT NULL)
        OR (kind = 'guest' AND email IS NULL AND role IS NULL AND password_hash IS NULL)
    )
);

INSERT INTO users_rebuilt (id, name, slug, email, status, bio, profile_image, cover_image, website, location,
                           twitter, facebook, meta_title, meta_description, created_at, updated_at, role,
                           password_hash, kind)
SELECT id, name, slug, email, status, bio, profile_image, cover_image, website, location, twitter, facebook,
       meta_title, meta_description, created_at, updated_at, role, password_hash, 'staff'
FROM users;

DROP TABLE users;
ALTER TABLE users_rebuilt RENAME TO users;

-- From 0003 and 0023, as they were.
CREATE UNIQUE INDEX users_single_owner ON users (role) WHERE role = 'owner';
CREATE TRIGGER users_search_update AFTER UPDATE OF name, slug ON users
BEGIN
    INSERT INTO search_changes (post_id) SELECT post_id FROM posts_authors WHERE author_id = NEW.id;
END;

COMMIT;
PRAGMA foreign_keys = ON;
