-- On PostgreSQL this version announces narrations to other instances as narrations. SQLite
-- serves one process, whose changes are announced in memory: nothing to change.
SELECT 1;
