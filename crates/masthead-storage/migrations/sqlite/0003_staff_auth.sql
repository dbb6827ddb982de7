-- Staff accounts: Ghost's roles, argon2id password hashes, sessions kept in the database
-- (listable and revocable), and a record of failed sign-ins for brute-force protection.

ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'contributor'
    CHECK (role IN ('contributor', 'author', 'editor', 'administrator', 'owner'));
ALTER TABLE users ADD COLUMN password_hash TEXT;
-- Exactly one owner at most; the setup link creates the first.
CREATE UNIQUE INDEX users_single_owner ON users (role) WHERE role = 'owner';

CREATE TABLE staff_sessions (
    -- SHA-256 of the token in the cookie: a stolen database does not yield live sessions.
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    ip           TEXT,
    user_agent   TEXT
);
CREATE INDEX staff_sessions_user ON staff_sessions (user_id);

CREATE TABLE sign_in_failures (
    -- `ip:<address>` or `account:<email>`
    scope     TEXT NOT NULL,
    failed_at TEXT NOT NULL
);
CREATE INDEX sign_in_failures_scope ON sign_in_failures (scope, failed_at);

-- One-time links: the first owner's setup link and password resets. Only hashes are stored.
CREATE TABLE staff_tokens (
    id         TEXT PRIMARY KEY,
    purpose    TEXT NOT NULL CHECK (purpose IN ('setup', 'password_reset')),
    user_id    TEXT REFERENCES users (id) ON DELETE CASCADE,
    expires_at TEXT NOT NULL,
    used_at    TEXT,
    created_at TEXT NOT NULL
);

-- Mail waiting for a transport. With no SMTP configured this is the outbox administrators read.
CREATE TABLE outbox (
    id         TEXT PRIMARY KEY,
    to_address TEXT NOT NULL,
    subject    TEXT NOT NULL,
    text_body  TEXT NOT NULL,
    created_at TEXT NOT NULL
);
