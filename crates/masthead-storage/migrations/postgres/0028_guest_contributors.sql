-- Guest contributors: op-ed writers, stringers and partner outlets get an author profile (name,
-- bio, photo, links) and bylines like any author, but no account. A guest is a row of `users`
-- with `kind = 'guest'` and no email address, no password and no role, so no sign-in, reset or
-- invitation path can reach one (they all start from an email address or a session), and they
-- are left out of staff lists. Keeping guests in `users` means `posts_authors` and everything
-- that reads authors (bylines, author pages, the Content API, JSON-LD, feeds) needs no change.
-- (SQLite rebuilds the table for the same result; PostgreSQL relaxes the columns in place.)
ALTER TABLE users ADD COLUMN kind TEXT NOT NULL DEFAULT 'staff' CHECK (kind IN ('staff', 'guest'));
ALTER TABLE users ALTER COLUMN email DROP NOT NULL;
ALTER TABLE users ALTER COLUMN role DROP NOT NULL;
-- Staff sign in with an email address and have a role; a guest has neither, nor a password.
ALTER TABLE users ADD CONSTRAINT users_guest_has_no_account CHECK (
    (kind = 'staff' AND email IS NOT NULL AND role IS NOT NULL)
    OR (kind = 'guest' AND email IS NULL AND role IS NULL AND password_hash IS NULL)
);
