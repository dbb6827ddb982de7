-- On PostgreSQL this version adds the triggers that announce changes to every instance. SQLite
-- serves one process, whose changes are announced in memory: nothing to add.
SELECT 1;
