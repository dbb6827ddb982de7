-- The durable job queue: anything that must happen later or may fail (publishing on schedule,
-- and later sending email, narrating, webhooks) is a row here, written in the same transaction
-- as the change that caused it. A claimed job carries a lease; when a worker dies, the lease
-- runs out and another worker takes the job. Handlers are idempotent.

CREATE TABLE jobs (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    -- At most one pending job per key, e.g. `publish:<post id>`; rescheduling moves that job.
    dedup_key    TEXT,
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'failed')),
    run_at       TIMESTAMPTZ NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 10,
    locked_by    TEXT,
    locked_until TIMESTAMPTZ,
    last_error   TEXT,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX jobs_dedup ON jobs (dedup_key) WHERE status = 'pending';
CREATE INDEX jobs_due ON jobs (status, run_at);
