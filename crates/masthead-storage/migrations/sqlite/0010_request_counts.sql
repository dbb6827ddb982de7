-- Readers' hourly request limits (sign-ups, sign-in and email-change links, per client address
-- and per address from that client), counted in the database so that every instance serving the
-- site shares one budget. One row per scope; a request is counted with one upsert that opens a
-- new window once the old one is over. Rows of windows that are over are deleted from time to
-- time (the index finds them).
CREATE TABLE request_counts (
    scope        TEXT PRIMARY KEY,
    requests     INTEGER NOT NULL,
    window_start TEXT NOT NULL
);
CREATE INDEX request_counts_window_start ON request_counts (window_start);

-- Sign-in attempt counters are pruned the same way once they no longer count.
CREATE INDEX sign_in_attempts_last_at ON sign_in_attempts (last_at);
