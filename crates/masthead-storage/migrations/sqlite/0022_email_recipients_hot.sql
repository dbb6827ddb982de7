-- Nothing to change on SQLite: the matching PostgreSQL migration takes `status` out of the
-- recipients' work index so that claims and sent marks are HOT updates there; SQLite has no
-- such thing, and its claim keeps using `(email_id, status, id)`.
SELECT 1;
