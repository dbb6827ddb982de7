//! Request counters in fixed windows, shared by every instance on the database: the readers'
//! hourly limits. Each scope is one row; counting a request is one statement, so concurrent
//! requests on any number of instances are counted one after the other.

use time::{Duration, OffsetDateTime};

use crate::{Db, DbReader, Result, on_db};

impl Db {
    /// Counts one request in `scope` and returns how many requests its window now holds, this
    /// one included. A window opens with a scope's first request and lasts `window`; the first
    /// request after it opens the next one.
    ///
    /// One upsert reads and changes the row: on PostgreSQL `ON CONFLICT DO UPDATE` locks the
    /// row, so a concurrent count waits and then sees this one; on SQLite a writing statement
    /// holds the database's write lock from its start (across processes too).
    pub async fn count_request(&self, scope: &str, now: OffsetDateTime, window: Duration) -> Result<i64> {
        let (now, over) = (masthead_core::to_stored_time(now), masthead_core::to_stored_time(now - window));
        let (requests,): (i32,) = on_db!(self, write, |pool| {
            sqlx::query_as(
                "INSERT INTO request_counts (scope, requests, window_start) VALUES ($1, 1, $2) \
                 ON CONFLICT (scope) DO UPDATE SET \
                 requests = CASE WHEN request_counts.window_start <= $3 THEN 1 \
                     ELSE request_counts.requests + 1 END, \
                 window_start = CASE WHEN request_counts.window_start <= $3 THEN excluded.window_start \
                     ELSE request_counts.window_start END \
                 RETURNING requests",
            )
            .bind(scope)
            .bind(now)
            .bind(over)
            .fetch_one(pool)
            .await?
        });
        Ok(i64::from(requests))
    }

    /// Deletes the counters whose window opened at or before `over` (their windows are over:
    /// the next request opens a new one anyway). Returns how many went.
    pub async fn prune_request_counts(&self, over: OffsetDateTime) -> Result<u64> {
        Ok(on_db!(self, write, |pool| {
            sqlx::query("DELETE FROM request_counts WHERE window_start <= $1")
                .bind(masthead_core::to_stored_time(over))
                .execute(pool)
                .await?
                .rows_affected()
        }))
    }
}

impl DbReader {
    /// The requests counted in `scope`'s window and when it opened.
    pub async fn request_count(&self, scope: &str) -> Result<Option<(i64, OffsetDateTime)>> {
        let row: Option<(i32, OffsetDateTime)> = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT requests, window_start FROM request_counts WHERE scope = $1")
                .bind(scope)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(|(requests, start)| (i64::from(requests), start)))
    }
}
