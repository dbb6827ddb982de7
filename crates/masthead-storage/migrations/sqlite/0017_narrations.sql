-- Narrations: the audio version of each story, one row per post. `audio_key` always names a
-- complete file (the ready one); a new narration is written under a new key and the row is
-- pointed at it in one update, so a reader never gets a half-written file. `pending_hash` is
-- the text being narrated now: a narration that finishes after a newer one started is dropped.
CREATE TABLE narrations (
    post_id      TEXT PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    -- queued | narrating | ready | failed
    status       TEXT NOT NULL,
    reason       TEXT,
    -- Hash of the spoken text, voice and speed of the ready audio.
    text_hash    TEXT,
    pending_hash TEXT,
    audio_key    TEXT,
    duration_ms  INTEGER,
    bytes        INTEGER,
    engine       TEXT,
    voice        TEXT,
    narrated_at  TEXT,
    updated_at   TEXT NOT NULL
);

-- Stories their editors chose not to narrate.
CREATE TABLE narration_opt_outs (
    post_id    TEXT PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL
);

-- The newsroom's pronunciation lexicon: a word or phrase and how to say it.
CREATE TABLE pronunciations (
    word       TEXT PRIMARY KEY,
    spoken     TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
