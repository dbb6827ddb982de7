-- Members, newsletters, the suppression list, member sign-in, and newsletter sends with their
-- per-recipient ledger. Transactional mail (confirmations, magic links) goes through the outbox,
-- which now also records delivery.

CREATE TABLE members (
    id             TEXT PRIMARY KEY,
    uuid           TEXT NOT NULL UNIQUE,
    email          TEXT NOT NULL UNIQUE,
    name           TEXT,
    note           TEXT,
    status         TEXT NOT NULL DEFAULT 'free' CHECK (status IN ('free', 'paid', 'comped')),
    -- Consent evidence: where it came from, when, and from which address.
    consent_source TEXT NOT NULL,
    consent_at     TEXT NOT NULL,
    consent_ip     TEXT,
    last_seen_at   TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX members_created ON members (created_at DESC, id DESC);

CREATE TABLE labels (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    slug       TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

CREATE TABLE members_labels (
    member_id TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    label_id  TEXT NOT NULL REFERENCES labels (id) ON DELETE CASCADE,
    PRIMARY KEY (member_id, label_id)
);
CREATE INDEX members_labels_label ON members_labels (label_id);

CREATE TABLE newsletters (
    id                  TEXT PRIMARY KEY,
    uuid                TEXT NOT NULL UNIQUE,
    name                TEXT NOT NULL,
    slug                TEXT NOT NULL UNIQUE,
    description         TEXT,
    sender_name         TEXT,
    sender_email        TEXT,
    sender_reply_to     TEXT,
    host_name           TEXT,
    status              TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
    subscribe_on_signup INTEGER NOT NULL DEFAULT 1,
    sort_order          INTEGER NOT NULL DEFAULT 0,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);

-- A member's choice per newsletter. Unsubscribing keeps the row, so an import never
-- re-subscribes someone who left.
CREATE TABLE members_newsletters (
    member_id     TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    newsletter_id TEXT NOT NULL REFERENCES newsletters (id) ON DELETE CASCADE,
    status        TEXT NOT NULL CHECK (status IN ('subscribed', 'unsubscribed')),
    source        TEXT NOT NULL,
    changed_at    TEXT NOT NULL,
    PRIMARY KEY (member_id, newsletter_id)
);
CREATE INDEX members_newsletters_newsletter ON members_newsletters (newsletter_id, status);

-- Addresses never to be mailed: hard bounces, complaints, and those staff add by hand.
CREATE TABLE suppressions (
    email      TEXT PRIMARY KEY,
    reason     TEXT NOT NULL CHECK (reason IN ('hard_bounce', 'complaint', 'manual')),
    detail     TEXT,
    created_at TEXT NOT NULL
);

-- Links mailed to readers (sign-up confirmation, sign-in, email change). Only hashes are stored.
CREATE TABLE member_tokens (
    id            TEXT PRIMARY KEY,
    purpose       TEXT NOT NULL CHECK (purpose IN ('signup', 'signin', 'email_change')),
    email         TEXT NOT NULL,
    payload       TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    first_used_at TEXT,
    uses          INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX member_tokens_email ON member_tokens (email, created_at);

CREATE TABLE member_sessions (
    id         TEXT PRIMARY KEY,
    member_id  TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX member_sessions_member ON member_sessions (member_id);

-- Stories chosen to go out as a newsletter when they are published (Ghost's fields).
ALTER TABLE posts ADD COLUMN newsletter_id TEXT REFERENCES newsletters (id) ON DELETE SET NULL;
ALTER TABLE posts ADD COLUMN email_segment TEXT;

-- One newsletter send of one post. The rendered message is frozen with it.
CREATE TABLE emails (
    id              TEXT PRIMARY KEY,
    post_id         TEXT NOT NULL UNIQUE REFERENCES posts (id) ON DELETE CASCADE,
    newsletter_id   TEXT NOT NULL REFERENCES newsletters (id),
    segment         TEXT NOT NULL,
    subject         TEXT NOT NULL,
    html            TEXT NOT NULL,
    plaintext       TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    recipient_count INTEGER NOT NULL DEFAULT 0,
    error           TEXT,
    created_by      TEXT,
    created_at      TEXT NOT NULL,
    started_at      TEXT,
    finished_at     TEXT
);

-- The audience of a send, frozen before the first message, one row per address. A row is
-- claimed with a lease, marked sent the moment the relay accepts it, and never claimed again.
CREATE TABLE email_recipients (
    id              INTEGER PRIMARY KEY,
    email_id        TEXT NOT NULL REFERENCES emails (id) ON DELETE CASCADE,
    member_id       TEXT NOT NULL,
    member_uuid     TEXT NOT NULL,
    address         TEXT NOT NULL,
    name            TEXT,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'skipped')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    locked_by       TEXT,
    locked_until    TEXT,
    sent_at         TEXT,
    error           TEXT,
    UNIQUE (email_id, address)
);
CREATE INDEX email_recipients_work ON email_recipients (email_id, status, id);

ALTER TABLE outbox ADD COLUMN status TEXT NOT NULL DEFAULT 'kept'
    CHECK (status IN ('kept', 'pending', 'sending', 'sent', 'failed'));
ALTER TABLE outbox ADD COLUMN html_body TEXT;
ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN next_attempt_at TEXT;
ALTER TABLE outbox ADD COLUMN locked_by TEXT;
ALTER TABLE outbox ADD COLUMN locked_until TEXT;
ALTER TABLE outbox ADD COLUMN sent_at TEXT;
ALTER TABLE outbox ADD COLUMN error TEXT;
CREATE INDEX outbox_work ON outbox (status, next_attempt_at);
