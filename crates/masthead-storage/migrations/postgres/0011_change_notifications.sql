-- Every change readers can see is announced to every instance on the channel `masthead_changes`
-- by the transaction that makes it: PostgreSQL delivers a notification when, and only if, its
-- transaction commits, and folds identical ones. Payloads carry ids (well under the 8,000-byte
-- limit) and the schema, so sites sharing a database in separate schemas ignore each other.
CREATE FUNCTION masthead_announce_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    payload json;
BEGIN
    IF TG_TABLE_NAME = 'posts' THEN
        IF TG_OP = 'DELETE' THEN
            payload := json_build_object('kind', 'post', 'id', OLD.id, 'type', OLD.type);
        ELSE
            payload := json_build_object('kind', 'post', 'id', NEW.id, 'type', NEW.type);
        END IF;
    ELSIF TG_TABLE_NAME = 'posts_tags' THEN
        IF TG_OP = 'DELETE' THEN
            payload := json_build_object('kind', 'post', 'id', OLD.post_id, 'tag', OLD.tag_id);
        ELSE
            payload := json_build_object('kind', 'post', 'id', NEW.post_id, 'tag', NEW.tag_id);
        END IF;
    ELSIF TG_TABLE_NAME = 'posts_authors' THEN
        IF TG_OP = 'DELETE' THEN
            payload := json_build_object('kind', 'post', 'id', OLD.post_id, 'author', OLD.author_id);
        ELSE
            payload := json_build_object('kind', 'post', 'id', NEW.post_id, 'author', NEW.author_id);
        END IF;
    ELSIF TG_TABLE_NAME = 'tags' THEN
        IF TG_OP = 'DELETE' THEN
            payload := json_build_object('kind', 'tag', 'id', OLD.id);
        ELSE
            payload := json_build_object('kind', 'tag', 'id', NEW.id);
        END IF;
    ELSIF TG_TABLE_NAME = 'users' THEN
        IF TG_OP = 'DELETE' THEN
            payload := json_build_object('kind', 'author', 'id', OLD.id);
        ELSE
            payload := json_build_object('kind', 'author', 'id', NEW.id);
        END IF;
    ELSIF TG_TABLE_NAME = 'settings' THEN
        payload := json_build_object('kind', 'settings');
    ELSE
        -- Newsletters (every page's sign-up form lists them) and anything else: everything.
        payload := json_build_object('kind', 'everything');
    END IF;
    PERFORM pg_notify('masthead_changes',
        (jsonb_build_object('schema', current_schema()) || payload::jsonb)::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER posts_announce AFTER INSERT OR UPDATE OR DELETE ON posts
    FOR EACH ROW EXECUTE FUNCTION masthead_announce_change();
CREATE TRIGGER posts_tags_announce AFTER INSERT OR UPDATE OR DELETE ON posts_tags
    FOR EACH ROW EXECUTE FUNCTION masthead_announce_change();
CREATE TRIGGER posts_authors_announce AFTER INSERT OR UPDATE OR DELETE ON posts_authors
    FOR EACH ROW EXECUTE FUNCTION masthead_announce_change();
CREATE TRIGGER tags_announce AFTER INSERT OR UPDATE OR DELETE ON tags
    FOR EACH ROW EXECUTE FUNCTION masthead_announce_change();
CREATE TRIGGER users_announce AFTER INSERT OR UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION masthead_announce_change();
CREATE TRIGGER settings_announce AFTER INSERT OR UPDATE OR DELETE ON settings
    FOR EACH ROW EXECUTE FUNCTION masthead_announce_change();
CREATE TRIGGER newsletters_announce AFTER INSERT OR UPDATE OR DELETE ON newsletters
    FOR EACH ROW EXECUTE FUNCTION masthead_announce_change();
