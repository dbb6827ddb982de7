//! Background jobs: the worker that runs the durable queue, and the jobs themselves.
//!
//! Every instance runs a worker over the same `jobs` table; a job is leased while it runs, and
//! a job whose worker died is picked up again when its lease runs out. Handlers are idempotent.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use masthead_core::ObjectId;
use masthead_storage::{ClaimedJob, JobChange, NewJob};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use tokio::sync::{Notify, watch};

use crate::{AppError, ContentChange, Newsroom};

/// How long a worker holds a job before another may take it over.
const LEASE: Duration = Duration::minutes(2);
/// The longest an idle worker sleeps before looking at the queue again (jobs enqueued by another
/// instance are noticed within this time).
const MAX_IDLE: StdDuration = StdDuration::from_secs(1);

/// How often a worker deletes the request and sign-in counters that no longer count.
const PRUNE_COUNTERS_EVERY: StdDuration = StdDuration::from_secs(600);

/// The jobs Masthead knows how to run, with their payloads.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "payload", rename_all = "snake_case")]
pub enum Job {
    /// Publish a scheduled post once its time has come.
    PublishScheduledPost { post_id: ObjectId },
    /// Call one webhook with one event.
    DeliverWebhook(crate::integrations::webhooks::Delivery),
    /// Tell the CDN in front which keys a change touched.
    PurgeCdn(crate::cdn::Purge),
}

impl Job {
    fn kind(&self) -> &'static str {
        match self {
            Job::PublishScheduledPost { .. } => "publish_scheduled_post",
            Job::DeliverWebhook(_) => crate::integrations::webhooks::Delivery::KIND,
            Job::PurgeCdn(_) => "purge_cdn",
        }
    }

    fn dedup_key(&self) -> String {
        match self {
            Job::PublishScheduledPost { post_id } => format!("publish:{post_id}"),
            Job::DeliverWebhook(d) => format!("webhook:{}:{}", d.webhook_id, d.event),
            // Each purge is its own job.
            Job::PurgeCdn(_) => format!("purge:{}", uuid::Uuid::new_v4()),
        }
    }

    /// The queue entry for this job, due at `run_at`.
    pub fn at(&self, run_at: OffsetDateTime) -> JobChange {
        let payload = match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(mut map)) => map.remove("payload").unwrap_or_default(),
            _ => serde_json::Value::Null,
        };
        JobChange::Enqueue(NewJob {
            kind: self.kind().to_owned(),
            payload,
            dedup_key: Some(self.dedup_key()),
            run_at,
            max_attempts: 20,
        })
    }

    /// The queue entry for this job, due now.
    pub fn now(&self) -> JobChange {
        self.at(masthead_core::now())
    }

    pub fn cancel(&self) -> JobChange {
        JobChange::Cancel(self.dedup_key())
    }

    fn parse(claimed: &ClaimedJob) -> Result<Self, String> {
        let payload: serde_json::Value = serde_json::from_str(&claimed.payload).map_err(|e| e.to_string())?;
        serde_json::from_value(serde_json::json!({ "kind": claimed.kind, "payload": payload }))
            .map_err(|e| format!("unknown or malformed job {}: {e}", claimed.kind))
    }
}

/// Wakes idle workers in this process when a job is enqueued.
#[derive(Clone, Debug, Default)]
pub struct JobSignal(Arc<Notify>);

impl JobSignal {
    pub fn wake(&self) {
        self.0.notify_waiters();
    }
}

/// Exponential backoff: 5 s, 10 s, 20 s, ... capped at an hour.
fn backoff(attempts: i32) -> Duration {
    let exponent = attempts.clamp(1, 12) as u32 - 1;
    Duration::seconds((5i64 << exponent).min(3600))
}

impl Newsroom {
    /// Runs one due job, if there is one. Returns whether a job was run.
    pub async fn run_next_job(&self, worker: &str) -> Result<bool, AppError> {
        let Some(claimed) = self.db.claim_job(worker, masthead_core::now(), LEASE).await? else {
            return Ok(false);
        };
        let outcome = match Job::parse(&claimed) {
            Ok(job) => self.run_job(&job).await.map_err(|e| e.to_string()),
            Err(e) => Err(e),
        };
        match outcome {
            Ok(()) => {
                self.db.complete_job(&claimed.id, worker).await?;
            }
            Err(error) => {
                tracing::warn!(job = %claimed.kind, attempt = claimed.attempts, %error, "job failed");
                let retry_at = masthead_core::now() + backoff(claimed.attempts);
                self.db.fail_job(&claimed.id, worker, &error, retry_at).await?;
            }
        }
        Ok(true)
    }

    async fn run_job(&self, job: &Job) -> Result<(), AppError> {
        match job {
            Job::DeliverWebhook(delivery) => self.deliver_webhook(delivery).await,
            Job::PurgeCdn(purge) => self.purge_cdn(purge).await,
            Job::PublishScheduledPost { post_id } => {
                let before = self.db.post_by_id(post_id).await?;
                let published_now = self.db.publish_if_due(post_id, masthead_core::now()).await?;
                let Some(post) = self.db.post_by_id(post_id).await? else { return Ok(()) };
                if published_now {
                    self.post_changed(before.as_ref(), Some(&post)).await;
                    tracing::info!(post = %post.slug, "published scheduled post");
                    self.changes.publish(&ContentChange::Post {
                        id: post.id.clone(),
                        post_type: post.post_type,
                        tag_ids: post.tags.iter().map(|t| t.id.clone()).collect(),
                        author_ids: post.authors.iter().map(|a| a.id.clone()).collect(),
                    });
                }
                if post.status == masthead_core::PostStatus::Published {
                    // Idempotent: also finishes the send of a run that died after publishing.
                    self.send_newsletter_if_chosen(&post).await?;
                } else if post.status == masthead_core::PostStatus::Scheduled
                    && let Some(at) = post.published_at.filter(|at| *at > masthead_core::now())
                {
                    // Picked up early (clock skew between instances): come back on time.
                    self.db.apply_job_changes(&[job.at(at)]).await?;
                }
                Ok(())
            }
        }
    }

    /// Deletes the readers' request counters and the staff sign-in counters that no longer
    /// count, so those tables hold about an hour of clients whatever the traffic. Returns how
    /// many rows went.
    pub async fn prune_counters(&self) -> Result<u64, AppError> {
        let now = masthead_core::now();
        let requests = self.db.prune_request_counts(now - crate::members::REQUEST_WINDOW).await?;
        let attempts = self.db.prune_sign_in_attempts(now - crate::newsroom::staff::FAILURE_WINDOW).await?;
        Ok(requests + attempts)
    }

    /// Works the queue until `shutdown` turns true: runs every due job, then sleeps until the
    /// next one is due, a job is enqueued here, or a second passes. Every
    /// [`PRUNE_COUNTERS_EVERY`] it also prunes the counters ([`Newsroom::prune_counters`]).
    pub async fn run_worker(&self, worker: String, mut shutdown: watch::Receiver<bool>) {
        let mut prune_at = tokio::time::Instant::now();
        loop {
            if *shutdown.borrow() {
                return;
            }
            if tokio::time::Instant::now() >= prune_at {
                prune_at = tokio::time::Instant::now() + PRUNE_COUNTERS_EVERY;
                match self.prune_counters().await {
                    Ok(0) => {}
                    Ok(pruned) => tracing::debug!(pruned, "pruned request and sign-in counters"),
                    Err(error) => tracing::warn!(%error, "pruning request counters failed; trying again later"),
                }
            }
            let ran = match self.run_next_job(&worker).await {
                Ok(ran) => ran,
                Err(error) => {
                    tracing::error!(%error, "job queue unavailable");
                    false
                }
            };
            if ran {
                continue;
            }
            let until_next = match self.db.next_job_at().await {
                Ok(Some(at)) => StdDuration::try_from(at - masthead_core::now()).unwrap_or_default().min(MAX_IDLE),
                _ => MAX_IDLE,
            };
            let woken = self.jobs.0.notified();
            tokio::select! {
                () = woken => {}
                () = tokio::time::sleep(until_next.max(StdDuration::from_millis(50))) => {}
                _ = shutdown.changed() => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_round_trip_through_the_queue_format() {
        let job = Job::PublishScheduledPost { post_id: ObjectId::new() };
        let JobChange::Enqueue(entry) = job.at(masthead_core::now()) else { panic!("an enqueue") };
        let claimed = ClaimedJob {
            id: "1".into(),
            kind: entry.kind.clone(),
            payload: entry.payload.to_string(),
            attempts: 1,
            max_attempts: 20,
        };
        assert_eq!(Job::parse(&claimed), Ok(job));
        assert!(Job::parse(&ClaimedJob { kind: "nope".into(), ..claimed }).is_err());
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff(1), Duration::seconds(5));
        assert_eq!(backoff(2), Duration::seconds(10));
        assert_eq!(backoff(30), Duration::hours(1));
    }
}
