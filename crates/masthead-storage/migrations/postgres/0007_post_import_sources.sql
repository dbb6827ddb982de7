-- The body of an imported post as the source system stored it (Ghost's Lexical or Mobiledoc
-- JSON, or its HTML), kept beside the sanitised HTML we render so a better converter can
-- re-render it later and an editor can see what came in. It is the source at import time:
-- later edits in Masthead's editor change the post, not this record.
CREATE TABLE post_import_sources (
    post_id     TEXT PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    format      TEXT NOT NULL CHECK (format IN ('html', 'lexical', 'mobiledoc')),
    source      TEXT NOT NULL,
    imported_at TIMESTAMPTZ NOT NULL
);
