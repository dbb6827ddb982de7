-- Member emails that must go out once (a welcome per member and tier, a receipt per donation):
-- the key is written in the transaction that queues the message, so a repeated call, a
-- redelivered webhook or a second instance queues nothing more.
CREATE TABLE member_email_sends (
    send_key   TEXT PRIMARY KEY,
    member_id  TEXT REFERENCES members (id) ON DELETE SET NULL,
    outbox_id  TEXT NOT NULL,
    created_at TEXT NOT NULL
);
