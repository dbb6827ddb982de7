use masthead_storage::{JobChange, NewJob};
use masthead_test_utils::dual_db_test;
use time::Duration;

fn job(key: &str, run_at: time::OffsetDateTime) -> JobChange {
    JobChange::Enqueue(NewJob {
        kind: "test".into(),
        payload: serde_json::json!({ "n": 1 }),
        dedup_key: Some(key.into()),
        run_at,
        max_attempts: 2,
    })
}

dual_db_test!(async fn due_jobs_are_claimed_once_with_a_lease(db) {
    let now = masthead_core::now();
    db.apply_job_changes(&[job("a", now - Duration::seconds(5)), job("later", now + Duration::hours(1))]).await.expect("enqueue");
    let claimed = db.claim_job("worker-1", now, Duration::seconds(30)).await.expect("claim").expect("a due job");
    assert_eq!((claimed.kind.as_str(), claimed.attempts), ("test", 1));
    assert_eq!(db.claim_job("worker-2", now, Duration::seconds(30)).await.expect("claim"), None, "held by worker 1; the other is not due");

    // Worker 1 dies; once its lease runs out, worker 2 takes the job over.
    let after_lease = now + Duration::seconds(31);
    let taken_over = db.claim_job("worker-2", after_lease, Duration::seconds(30)).await.expect("claim").expect("lease expired");
    assert_eq!(taken_over.id, claimed.id);
    assert_eq!(taken_over.attempts, 2);
    assert!(!db.complete_job(&claimed.id, "worker-1").await.expect("complete"), "worker 1 lost its lease");
    assert!(db.complete_job(&claimed.id, "worker-2").await.expect("complete"));
    assert_eq!(db.jobs().await.expect("jobs").len(), 1, "only the later job is left");
    assert_eq!(db.next_job_at().await.expect("next"), Some(now + Duration::hours(1)));
});

dual_db_test!(async fn enqueueing_the_same_key_moves_the_job_and_cancel_removes_it(db) {
    let now = masthead_core::now();
    db.apply_job_changes(&[job("publish:1", now + Duration::hours(1))]).await.expect("enqueue");
    db.apply_job_changes(&[job("publish:1", now + Duration::hours(2))]).await.expect("reschedule");
    let jobs = db.jobs().await.expect("jobs");
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].run_at, now + Duration::hours(2));
    db.apply_job_changes(&[JobChange::Cancel("publish:1".into())]).await.expect("cancel");
    assert!(db.jobs().await.expect("jobs").is_empty());
});

dual_db_test!(async fn failed_jobs_retry_later_then_give_up(db) {
    let now = masthead_core::now();
    db.apply_job_changes(&[job("flaky", now)]).await.expect("enqueue");
    let first = db.claim_job("w", now, Duration::seconds(30)).await.expect("claim").expect("due");
    db.fail_job(&first.id, "w", "SMTP 451", now + Duration::seconds(5)).await.expect("fail");
    let jobs = db.jobs().await.expect("jobs");
    assert_eq!((jobs[0].status.as_str(), jobs[0].last_error.as_deref()), ("pending", Some("SMTP 451")));
    assert!(db.failed_jobs(5).await.expect("failed jobs").is_empty(), "a job that will retry has not failed");
    assert_eq!(db.claim_job("w", now, Duration::seconds(30)).await.expect("claim"), None, "not before the retry time");
    let second = db.claim_job("w", now + Duration::seconds(6), Duration::seconds(30)).await.expect("claim").expect("retry due");
    db.fail_job(&second.id, "w", "SMTP 451 again", now + Duration::seconds(20)).await.expect("fail");
    let jobs = db.jobs().await.expect("jobs");
    assert_eq!(jobs[0].status, "failed", "two attempts used");
    let failed = db.failed_jobs(5).await.expect("failed jobs");
    assert_eq!(failed.iter().map(|j| j.last_error.as_deref()).collect::<Vec<_>>(), [Some("SMTP 451 again")]);
    assert_eq!(db.claim_job("w", now + Duration::hours(1), Duration::seconds(30)).await.expect("claim"), None);
});

dual_db_test!(async fn queues_take_only_their_kinds_and_a_running_job_keeps_its_lease(db) {
    use masthead_storage::JobQueue;
    let now = masthead_core::now();
    let narrate = JobChange::Enqueue(NewJob {
        kind: "narrate_post".into(),
        payload: serde_json::json!({}),
        dedup_key: Some("narrate:1".into()),
        run_at: now - Duration::seconds(10),
        max_attempts: 2,
    });
    let paint = JobChange::Enqueue(NewJob {
        kind: "paint_demo_photo".into(),
        payload: serde_json::json!({}),
        dedup_key: Some("paint:1".into()),
        run_at: now - Duration::seconds(20),
        max_attempts: 2,
    });
    db.apply_job_changes(&[narrate, paint, job("a", now - Duration::seconds(5))]).await.expect("enqueue");
    let lease = Duration::seconds(30);
    let slow = JobQueue::Except(&["narrate_post", "paint_demo_photo"]);
    let general = db.claim_job_in("general", now, lease, &slow).await.expect("claim");
    assert_eq!(general.map(|j| j.kind), Some("test".into()), "the older slow jobs are left to their own workers");
    assert_eq!(db.claim_job_in("general", now, lease, &slow).await.expect("claim"), None);
    let painter = db.claim_job_in("painter", now, lease, &JobQueue::Except(&["narrate_post"])).await.expect("claim");
    assert_eq!(painter.map(|j| j.kind), Some("paint_demo_photo".into()), "one kind left out, the other taken");
    let narration = db.claim_job_in("narrator", now, lease, &JobQueue::Only("narrate_post")).await.expect("claim").expect("due");
    assert_eq!(narration.kind, "narrate_post");

    // Renewed, the lease outlives its first term; another worker cannot take the job.
    assert!(db.extend_job_lease(&narration.id, "narrator", now + Duration::seconds(90)).await.expect("renew"));
    let later = now + Duration::seconds(60);
    assert_eq!(db.claim_job_in("other", later, lease, &JobQueue::Only("narrate_post")).await.expect("claim"), None);
    assert!(!db.extend_job_lease(&narration.id, "other", later).await.expect("renew"), "only its holder renews it");
});

dual_db_test!(async fn a_restarted_worker_takes_up_the_jobs_its_last_run_held(db) {
    let now = masthead_core::now();
    db.apply_job_changes(&[job("a", now - Duration::seconds(10)), job("b", now - Duration::seconds(5))])
        .await
        .expect("enqueue");
    let lease = Duration::minutes(2);
    let ours = db.claim_job("host/jobs/demo-photos", now, lease).await.expect("claim").expect("due");
    let theirs = db.claim_job("host/jobs-elsewhere", now, lease).await.expect("claim").expect("due");
    assert_eq!(db.claim_job("other", now, lease).await.expect("claim"), None, "both are held");

    assert_eq!(db.release_job_leases_of("host/jobs").await.expect("release"), 1, "only its own and its lanes'");
    let again = db.claim_job("host/jobs", now, lease).await.expect("claim").expect("released");
    assert_eq!(again.id, ours.id);
    assert_ne!(again.id, theirs.id);
    assert!(!db.complete_job(&ours.id, "host/jobs/demo-photos").await.expect("complete"), "the old run's lease is gone");
});
