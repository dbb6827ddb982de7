-- Stories written in the rich-text editor keep their Lexical document, as Ghost keeps it in
-- `posts.lexical`: the editor opens it again, and the Admin API and the JSON export return it.
-- `html` stays what readers are served, rendered from the document at each save. A revision
-- keeps the document it was saved with, so an earlier version can be compared and restored.
ALTER TABLE posts ADD COLUMN lexical TEXT;
ALTER TABLE post_revisions ADD COLUMN lexical TEXT;
