-- A narration becoming ready (or going away) is announced as a narration, no longer as a change
-- to its story: other instances then drop the story's page, the pages showing its card, the
-- podcast and the API answers, and keep the lists whose stories did not move. An instance that
-- does not know this kind yet takes it as "everything changed".
CREATE OR REPLACE FUNCTION masthead_announce_narration() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    post text;
BEGIN
    IF TG_OP = 'DELETE' THEN
        post := OLD.post_id;
    ELSE
        post := NEW.post_id;
    END IF;
    PERFORM pg_notify('masthead_changes',
        jsonb_build_object('schema', current_schema(), 'kind', 'narration', 'id', post)::text);
    RETURN NULL;
END
$$;
