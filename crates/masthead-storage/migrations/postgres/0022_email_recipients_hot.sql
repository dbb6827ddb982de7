-- A recipient's row changes twice per message: claimed (`sending`), then `sent`. With `status`
-- in an index, neither update could be HOT: each wrote a new entry into every index of the
-- table. The senders walk a send by id from a cursor (`id > after`), so they need `(email_id,
-- id)`, not the status: rows ahead of a cursor are the pending ones. Without an index on the
-- columns a claim or a sent mark changes, and with room left in each page for the new row
-- versions (fillfactor), PostgreSQL keeps them on the same page and adds no index entries.
DROP INDEX email_recipients_work;
CREATE INDEX email_recipients_send ON email_recipients (email_id, id);
ALTER TABLE email_recipients SET (fillfactor = 50);
