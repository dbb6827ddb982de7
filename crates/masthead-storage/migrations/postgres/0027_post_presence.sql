-- Who has a story open in the newsroom's editor: each open editor says so every few seconds,
-- and the others show who else is there. One row per story and staff member, its last word.
CREATE TABLE post_presence (
    post_id TEXT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    seen_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (post_id, user_id)
);
