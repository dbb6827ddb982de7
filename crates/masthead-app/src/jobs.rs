//! Background jobs: the worker that runs the durable queue, and the jobs themselves.
//!
//! Every instance runs a worker over the same `jobs` table; a job is leased while it runs, and
//! a job whose worker died is picked up again when its lease runs out. Handlers are idempotent.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use masthead_core::ObjectId;
use masthead_storage::{ClaimedJob, JobChange, JobQueue, NewJob};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use tokio::sync::{Notify, watch};

use crate::{AppError, ContentChange, Newsroom};

/// How long a worker holds a job before another may take it over.
const LEASE: Duration = Duration::minutes(2);
/// How often a running job renews its lease (well within [`LEASE`]).
const LEASE_RENEWAL: StdDuration = StdDuration::from_secs(30);
/// The longest an idle worker sleeps before looking at the queue again (jobs enqueued by another
/// instance are noticed within this time).
const MAX_IDLE: StdDuration = StdDuration::from_secs(1);

/// How often a worker deletes the request and sign-in counters that no longer count.
const PRUNE_COUNTERS_EVERY: StdDuration = StdDuration::from_secs(600);

/// Narrations are slow: they have a worker of their own, so they never hold up the rest.
const NARRATE_POST: &str = "narrate_post";
/// Painting the demo's photos is slow too (a fraction of a second each, forty-odd of them on a
/// first start): a worker of its own, beside narration.
const PAINT_DEMO_PHOTO: &str = "paint_demo_photo";

/// The queues every instance works: everything quick, narration, and the demo's photos.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Queue {
    General,
    Narration,
    DemoPhotos,
}

impl Queue {
    fn jobs(self) -> JobQueue<'static> {
        match self {
            Queue::General => JobQueue::Except(&[NARRATE_POST, PAINT_DEMO_PHOTO]),
            Queue::Narration => JobQueue::Only(NARRATE_POST),
            Queue::DemoPhotos => JobQueue::Only(PAINT_DEMO_PHOTO),
        }
    }
}

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
    /// Narrate a story (again, with `force`, even if its words have not changed).
    NarratePost {
        post_id: ObjectId,
        #[serde(default)]
        force: bool,
    },
    /// Paint a demo story's hero photo and give it to the story (see `demo::seed`).
    PaintDemoPhoto(crate::demo::DemoPhoto),
}

impl Job {
    fn kind(&self) -> &'static str {
        match self {
            Job::PublishScheduledPost { .. } => "publish_scheduled_post",
            Job::DeliverWebhook(_) => crate::integrations::webhooks::Delivery::KIND,
            Job::PurgeCdn(_) => "purge_cdn",
            Job::NarratePost { .. } => NARRATE_POST,
            Job::PaintDemoPhoto(_) => PAINT_DEMO_PHOTO,
        }
    }

    fn dedup_key(&self) -> String {
        match self {
            Job::PublishScheduledPost { post_id } => format!("publish:{post_id}"),
            Job::DeliverWebhook(d) => format!("webhook:{}:{}", d.webhook_id, d.event),
            // Each purge is its own job.
            Job::PurgeCdn(_) => format!("purge:{}", uuid::Uuid::new_v4()),
            // One pending narration per story: saving it again moves that job.
            Job::NarratePost { post_id, .. } => masthead_storage::narration_job_key(post_id),
            Job::PaintDemoPhoto(photo) => format!("demo-photo:{}", photo.post_id),
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
    /// Runs one due job other than a narration, if there is one. Returns whether a job was run.
    pub async fn run_next_job(&self, worker: &str) -> Result<bool, AppError> {
        self.run_next_job_in(Queue::General, worker).await
    }

    /// Runs one due narration job, if there is one. Returns whether a job was run.
    pub async fn run_next_narration(&self, worker: &str) -> Result<bool, AppError> {
        self.run_next_job_in(Queue::Narration, worker).await
    }

    /// Paints one due demo photo, if there is one. Returns whether a job was run.
    pub async fn run_next_demo_photo(&self, worker: &str) -> Result<bool, AppError> {
        self.run_next_job_in(Queue::DemoPhotos, worker).await
    }

    /// Paints every demo photo still due, one after another, and returns how many jobs ran
    /// (`masthead demo` waits for them; a server paints them in the background instead). A photo
    /// that fails is left queued for a later try, so this always ends.
    pub async fn paint_demo_photos(&self, worker: &str) -> Result<usize, AppError> {
        let mut ran = 0;
        while self.run_next_demo_photo(worker).await? {
            ran += 1;
        }
        Ok(ran)
    }

    async fn run_next_job_in(&self, queue: Queue, worker: &str) -> Result<bool, AppError> {
        // Narrations stay queued while the voice is being installed; it wakes the workers.
        if queue == Queue::Narration && self.narration_waits_for_voice() {
            return Ok(false);
        }
        let Some(claimed) = self.db.claim_job_in(worker, masthead_core::now(), LEASE, &queue.jobs()).await? else {
            return Ok(false);
        };
        let outcome = match Job::parse(&claimed) {
            Ok(job) => {
                // The lease is renewed while the job runs, so a long narration is not taken over
                // by another instance; a worker that dies stops renewing and the job is retaken.
                let heartbeat = async {
                    loop {
                        tokio::time::sleep(LEASE_RENEWAL).await;
                        let until = masthead_core::now() + LEASE;
                        if let Err(error) = self.db.extend_job_lease(&claimed.id, worker, until).await {
                            tracing::warn!(job = %claimed.kind, %error, "could not renew a job's lease");
                        }
                    }
                };
                tokio::select! {
                    outcome = self.run_job(&job) => outcome.map_err(|e| e.to_string()),
                    () = heartbeat => Ok(()),
                }
            }
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
            Job::NarratePost { post_id, force } => self.narrate_post(post_id, *force).await,
            Job::PaintDemoPhoto(photo) => self.paint_demo_photo(photo).await,
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
                    // Idempotent: also finishes the send (and queues the narration) of a run
                    // that died after publishing; a narration of unchanged words is skipped.
                    if crate::narration::narration_due(None, &post) {
                        self.db
                            .apply_job_changes(&[Job::NarratePost { post_id: post.id.clone(), force: false }.now()])
                            .await?;
                    }
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

    /// Says when the demo's photos are all painted (operators and `bench/run.sh` read it), or how
    /// many are left to try again.
    async fn report_demo_photos(&self, count: usize, took: StdDuration) {
        let left = match self.db.jobs().await {
            Ok(jobs) => jobs.iter().filter(|j| j.kind == PAINT_DEMO_PHOTO && j.status == "pending").count(),
            Err(_) => 0,
        };
        let seconds = format!("{:.1}", took.as_secs_f64());
        if left == 0 {
            tracing::info!(jobs = count, seconds, "every demo photo is ready");
        } else {
            tracing::warn!(jobs = count, seconds, left, "some demo photos failed; they are tried again later");
        }
    }

    /// Works the queues until `shutdown` turns true: the general one, and narration and the
    /// demo's photos beside it.
    pub async fn run_worker(&self, worker: String, shutdown: watch::Receiver<bool>) {
        // A job this worker was running when the process stopped (a photo half painted, a
        // narration half read) is taken up again now, not when its lease runs out.
        match self.db.release_job_leases_of(&worker).await {
            Ok(0) => {}
            Ok(released) => tracing::info!(released, "taking up the jobs the last run left unfinished"),
            Err(error) => {
                tracing::warn!(%error, "could not release the last run's jobs; they run when their leases end")
            }
        }
        let narrator = format!("{worker}/narration");
        let painter = format!("{worker}/demo-photos");
        tokio::join!(
            self.work_queue(Queue::General, worker, shutdown.clone()),
            self.work_queue(Queue::Narration, narrator, shutdown.clone()),
            self.work_queue(Queue::DemoPhotos, painter, shutdown),
        );
    }

    /// Works one queue until `shutdown` turns true: runs every due job, then sleeps until the
    /// next one is due, a job is enqueued here, or a second passes. Every
    /// [`PRUNE_COUNTERS_EVERY`] the general worker also prunes the counters
    /// ([`Newsroom::prune_counters`]).
    async fn work_queue(&self, queue: Queue, worker: String, mut shutdown: watch::Receiver<bool>) {
        let mut prune_at = tokio::time::Instant::now();
        // Demo photos painted since the queue was last empty, and since when.
        let mut painted: Option<(usize, tokio::time::Instant)> = None;
        loop {
            if *shutdown.borrow() {
                return;
            }
            if queue == Queue::General && tokio::time::Instant::now() >= prune_at {
                prune_at = tokio::time::Instant::now() + PRUNE_COUNTERS_EVERY;
                match self.prune_counters().await {
                    Ok(0) => {}
                    Ok(pruned) => tracing::debug!(pruned, "pruned request and sign-in counters"),
                    Err(error) => tracing::warn!(%error, "pruning request counters failed; trying again later"),
                }
            }
            let ran = match self.run_next_job_in(queue, &worker).await {
                Ok(ran) => ran,
                Err(error) => {
                    tracing::error!(%error, "job queue unavailable");
                    false
                }
            };
            if ran {
                if queue == Queue::DemoPhotos {
                    let (count, _) = painted.get_or_insert((0, tokio::time::Instant::now()));
                    *count += 1;
                }
                continue;
            }
            if let Some((count, since)) = painted.take() {
                self.report_demo_photos(count, since.elapsed()).await;
            }
            let until_next = match self.db.next_job_at().await {
                // Waiting for the voice: installing it wakes this worker.
                _ if queue == Queue::Narration && self.narration_waits_for_voice() => MAX_IDLE,
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
