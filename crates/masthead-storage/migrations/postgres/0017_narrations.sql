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
    duration_ms  BIGINT,
    bytes        BIGINT,
    engine       TEXT,
    voice        TEXT,
    narrated_at  TIMESTAMPTZ,
    updated_at   TIMESTAMPTZ NOT NULL
);

-- Stories their editors chose not to narrate.
CREATE TABLE narration_opt_outs (
    post_id    TEXT PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL
);

-- The newsroom's pronunciation lexicon: a word or phrase and how to say it.
CREATE TABLE pronunciations (
    word       TEXT PRIMARY KEY,
    spoken     TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- A narration becoming ready (or going away) changes the story's page, its feeds and its API
-- answer on every instance, as a change to the post itself does.
CREATE FUNCTION masthead_announce_narration() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    post text;
BEGIN
    IF TG_OP = 'DELETE' THEN
        post := OLD.post_id;
    ELSE
        post := NEW.post_id;
    END IF;
    PERFORM pg_notify('masthead_changes',
        jsonb_build_object('schema', current_schema(), 'kind', 'post', 'id', post)::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER narrations_announce AFTER INSERT OR UPDATE OR DELETE ON narrations
    FOR EACH ROW EXECUTE FUNCTION masthead_announce_narration();
CREATE TRIGGER narration_opt_outs_announce AFTER INSERT OR UPDATE OR DELETE ON narration_opt_outs
    FOR EACH ROW EXECUTE FUNCTION masthead_announce_narration();
