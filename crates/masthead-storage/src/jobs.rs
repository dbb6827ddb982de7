//! The durable job queue's storage: enqueue (also inside another write's transaction), claim
//! with a lease, complete, fail with a retry time.

use masthead_core::ObjectId;
use time::{Duration, OffsetDateTime};

use crate::{Db, DbReader, Result, on_db};

/// A job to run at `run_at` or later.
#[derive(Clone, Debug, PartialEq)]
pub struct NewJob {
    pub kind: String,
    pub payload: serde_json::Value,
    /// At most one pending job has this key; enqueueing again moves that job instead.
    pub dedup_key: Option<String>,
    pub run_at: OffsetDateTime,
    pub max_attempts: i32,
}

/// What a write does to the queue, in its own transaction.
#[derive(Clone, Debug, PartialEq)]
pub enum JobChange {
    Enqueue(NewJob),
    /// Drops the pending job with this key, if any.
    Cancel(String),
}

/// Which jobs a worker takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobQueue<'a> {
    All,
    /// Only jobs of this kind.
    Only(&'a str),
    /// Every kind but these (the slow kinds that have workers of their own).
    Except(&'a [&'a str]),
}

/// A job this worker holds until `locked_until`.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct ClaimedJob {
    pub id: String,
    pub kind: String,
    pub payload: String,
    pub attempts: i32,
    pub max_attempts: i32,
}

/// A job as listed for operators and tests.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct JobRecord {
    pub id: String,
    pub kind: String,
    pub dedup_key: Option<String>,
    pub status: String,
    pub run_at: OffsetDateTime,
    pub attempts: i32,
    pub last_error: Option<String>,
    /// The job's JSON input, as its handler reads it.
    pub payload: String,
}

const ENQUEUE: &str = "INSERT INTO jobs (id, kind, payload, dedup_key, status, run_at, attempts, max_attempts, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, 'pending', $5, 0, $6, $7, $7) \
     ON CONFLICT (dedup_key) WHERE status = 'pending' DO UPDATE SET run_at = excluded.run_at, \
     payload = excluded.payload, attempts = 0, locked_by = NULL, locked_until = NULL, updated_at = excluded.updated_at";
const CANCEL: &str = "DELETE FROM jobs WHERE dedup_key = $1 AND status = 'pending'";

/// Applies job changes inside the transaction `$tx`.
macro_rules! apply_job_changes {
    ($tx:ident, $changes:expr) => {
        for change in $changes {
            match change {
                $crate::jobs::JobChange::Enqueue(job) => {
                    let now = masthead_core::now();
                    sqlx::query($crate::jobs::ENQUEUE_SQL)
                        .bind(masthead_core::ObjectId::new().as_str())
                        .bind(&job.kind)
                        .bind(job.payload.to_string())
                        .bind(&job.dedup_key)
                        .bind(masthead_core::to_stored_time(job.run_at))
                        .bind(job.max_attempts)
                        .bind(now)
                        .execute(&mut *$tx)
                        .await?;
                }
                $crate::jobs::JobChange::Cancel(key) => {
                    sqlx::query($crate::jobs::CANCEL_SQL).bind(key).execute(&mut *$tx).await?;
                }
            }
        }
    };
}
pub(crate) use apply_job_changes;
pub(crate) const ENQUEUE_SQL: &str = ENQUEUE;
pub(crate) const CANCEL_SQL: &str = CANCEL;

impl Db {
    pub async fn apply_job_changes(&self, changes: &[JobChange]) -> Result<()> {
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            apply_job_changes!(tx, changes);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Takes the oldest due job that nobody holds (or whose holder's lease ran out) and leases it
    /// to `worker` for `lease`. On PostgreSQL, concurrent workers skip each other's rows; SQLite
    /// runs writes one at a time, so the statement is atomic there as it is.
    pub async fn claim_job(&self, worker: &str, now: OffsetDateTime, lease: Duration) -> Result<Option<ClaimedJob>> {
        self.claim_job_in(worker, now, lease, &JobQueue::All).await
    }

    /// [`Db::claim_job`] limited to one queue: slow jobs (narration) have a worker of their own,
    /// so a long narration never holds up a scheduled publication or a webhook.
    pub async fn claim_job_in(
        &self,
        worker: &str,
        now: OffsetDateTime,
        lease: Duration,
        queue: &JobQueue<'_>,
    ) -> Result<Option<ClaimedJob>> {
        let (only, except): (Option<&str>, &[&str]) = match queue {
            JobQueue::All => (None, &[]),
            JobQueue::Only(kind) => (Some(*kind), &[]),
            JobQueue::Except(kinds) => (None, kinds),
        };
        let now = masthead_core::to_stored_time(now);
        let until = now + lease;
        let claimed = match self.pools() {
            crate::db::Pools::Sqlite { writer, .. } => {
                sqlx::query_as(
                    "UPDATE jobs SET locked_by = $1, locked_until = $2, attempts = attempts + 1, updated_at = $3 \
                     WHERE id = (SELECT id FROM jobs WHERE status = 'pending' AND run_at <= $3 \
                         AND (locked_until IS NULL OR locked_until < $3) \
                     AND ($4 IS NULL OR kind = $4) AND kind NOT IN (SELECT value FROM json_each($5)) \
                     ORDER BY run_at, id LIMIT 1) \
                     RETURNING id, kind, payload, attempts, max_attempts",
                )
                .bind(worker)
                .bind(until)
                .bind(now)
                .bind(only)
                .bind(serde_json::to_string(except).unwrap_or_else(|_| "[]".to_owned()))
                .fetch_optional(writer)
                .await?
            }
            crate::db::Pools::Postgres(pool) => {
                sqlx::query_as(
                    "UPDATE jobs SET locked_by = $1, locked_until = $2, attempts = attempts + 1, updated_at = $3 \
                     WHERE id = (SELECT id FROM jobs WHERE status = 'pending' AND run_at <= $3 \
                         AND (locked_until IS NULL OR locked_until < $3) \
                         AND ($4::text IS NULL OR kind = $4) AND kind <> ALL($5::text[]) \
                         ORDER BY run_at, id LIMIT 1 \
                         FOR UPDATE SKIP LOCKED) \
                     RETURNING id, kind, payload, attempts, max_attempts",
                )
                .bind(worker)
                .bind(until)
                .bind(now)
                .bind(only)
                .bind(except)
                .fetch_optional(pool)
                .await?
            }
        };
        Ok(claimed)
    }

    /// Keeps holding a job that is still running: its lease runs until `until`. False when the
    /// lease was lost (the job was enqueued again, or another worker took it over).
    pub async fn extend_job_lease(&self, id: &str, worker: &str, until: OffsetDateTime) -> Result<bool> {
        let extended = on_db!(self, write, |pool| {
            sqlx::query("UPDATE jobs SET locked_until = $3 WHERE id = $1 AND locked_by = $2")
                .bind(id)
                .bind(worker)
                .bind(masthead_core::to_stored_time(until))
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(extended == 1)
    }

    /// At start-up: the jobs an earlier run of `worker` (and of the workers named `worker/...`)
    /// held when it stopped are claimable again at once, rather than when their leases run out.
    /// Returns how many were released.
    pub async fn release_job_leases_of(&self, worker: &str) -> Result<u64> {
        let under = format!("{}/%", worker.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        let released = on_db!(self, write, |pool| {
            sqlx::query(
                "UPDATE jobs SET locked_by = NULL, locked_until = NULL \
                 WHERE status = 'pending' AND (locked_by = $1 OR locked_by LIKE $2 ESCAPE '\\')",
            )
            .bind(worker)
            .bind(&under)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(released)
    }

    /// Removes a finished job. False when the lease was lost (another worker owns it now).
    pub async fn complete_job(&self, id: &str, worker: &str) -> Result<bool> {
        let done = on_db!(self, write, |pool| {
            sqlx::query("DELETE FROM jobs WHERE id = $1 AND locked_by = $2")
                .bind(id)
                .bind(worker)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(done == 1)
    }

    /// Releases a failed job to run again at `retry_at`, or marks it failed for good once it has
    /// used its attempts.
    pub async fn fail_job(&self, id: &str, worker: &str, error: &str, retry_at: OffsetDateTime) -> Result<()> {
        let now = masthead_core::now();
        on_db!(self, write, |pool| {
            sqlx::query(
                "UPDATE jobs SET locked_by = NULL, locked_until = NULL, last_error = $3, run_at = $4, updated_at = $5, \
                 status = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'pending' END \
                 WHERE id = $1 AND locked_by = $2",
            )
            .bind(id)
            .bind(worker)
            .bind(error)
            .bind(masthead_core::to_stored_time(retry_at))
            .bind(now)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Publishes a scheduled post whose time has come. Returns false when there is nothing to
    /// do (already published, unscheduled, or not yet due), which makes the job idempotent.
    pub async fn publish_if_due(&self, id: &ObjectId, now: OffsetDateTime) -> Result<bool> {
        let now = masthead_core::to_stored_time(now);
        let updated = on_db!(self, write, |pool| {
            sqlx::query(
                "UPDATE posts SET status = 'published', updated_at = $2 \
                 WHERE id = $1 AND status = 'scheduled' AND published_at <= $2",
            )
            .bind(id.as_str())
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(updated == 1)
    }
}

impl DbReader {
    /// When the next pending job is due, so an idle worker can sleep until then.
    pub async fn next_job_at(&self) -> Result<Option<OffsetDateTime>> {
        let row: Option<(OffsetDateTime,)> = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT run_at FROM jobs WHERE status = 'pending' ORDER BY run_at LIMIT 1")
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(|(t,)| t))
    }

    /// Jobs that gave up after their last attempt, the latest first.
    pub async fn failed_jobs(&self, limit: i64) -> Result<Vec<JobRecord>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT id, kind, dedup_key, status, run_at, attempts, last_error, payload FROM jobs \
                 WHERE status = 'failed' ORDER BY updated_at DESC, id DESC LIMIT $1",
            )
            .bind(limit)
            .fetch_all(pool)
            .await?
        }))
    }

    pub async fn jobs(&self) -> Result<Vec<JobRecord>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT id, kind, dedup_key, status, run_at, attempts, last_error, payload FROM jobs ORDER BY run_at, id",
            )
            .fetch_all(pool)
            .await?
        }))
    }
}
