-- Mail that carries a one-time link (password reset, staff invitation, sign-in, sign-up and
-- email change confirmation) is for its addressee alone. Such a message records the SHA-256 of
-- its token and when the token expires; `text_body` holds the message with the link withheld
-- (all the outbox screen ever shows), and the text with the link is kept in
-- `secret_text_body` only while a relay may still need it: it is cleared once the relay takes
-- the message or refuses it for good, and once the token is used, revoked or expired.
ALTER TABLE outbox ADD COLUMN credential_hash TEXT;
ALTER TABLE outbox ADD COLUMN credential_expires_at TEXT;
ALTER TABLE outbox ADD COLUMN secret_text_body TEXT;
CREATE INDEX outbox_credential ON outbox (credential_hash);
CREATE INDEX outbox_secrets ON outbox (credential_expires_at) WHERE secret_text_body IS NOT NULL;

-- Messages written before this kept their links in plain text: the links go, and any still
-- waiting for the relay are given up (the reader or staff member asks for a new link).
UPDATE outbox
SET text_body = '(This message carried a one-time link. Its text is no longer kept.)',
    html_body = NULL,
    status = CASE WHEN status IN ('pending', 'sending') THEN 'failed' ELSE status END,
    error = CASE WHEN status IN ('pending', 'sending')
        THEN 'not sent: written before one-time links were kept apart' ELSE error END,
    locked_until = NULL
WHERE text_body LIKE '%/admin/reset/%' OR text_body LIKE '%/admin/setup/%' OR text_body LIKE '%?token=%';
