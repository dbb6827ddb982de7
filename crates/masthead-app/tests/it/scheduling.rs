use std::time::{Duration as StdDuration, Instant};

use masthead_app::Newsroom;
use masthead_core::{Post, PostStatus};
use masthead_media::MediaStore;
use masthead_test_utils::{PostBuilder, StaffBuilder, TestApp, dual_db_test};
use time::Duration;

fn scheduled(title: &str, author: &masthead_core::StaffUser, at: time::OffsetDateTime) -> masthead_app::PostInput {
    let mut input = PostBuilder::published(title).authors(&[author]).published_at(at).input();
    input.status = PostStatus::Scheduled;
    input
}

async fn wait_until_live(newsroom: &Newsroom, post: &Post, limit: StdDuration) -> Option<StdDuration> {
    let started = Instant::now();
    while started.elapsed() < limit {
        let current = newsroom.db().post_by_id(&post.id).await.expect("read").expect("exists");
        if current.status == PostStatus::Published {
            return Some(started.elapsed());
        }
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
    None
}

dual_db_test!(async fn scheduling_enqueues_reschedules_and_unschedules_one_job(db) {
    let app = TestApp::new(&db).await;
    let anna = StaffBuilder::new("Anna Field").create(&db).await;
    let at = masthead_core::to_stored_time(masthead_core::now() + Duration::hours(2));
    let post = app.newsroom.create_post(scheduled("Budget speech", &anna, at)).await.expect("schedule");
    assert_eq!(post.status, PostStatus::Scheduled);
    let jobs = db.jobs().await.expect("jobs");
    assert_eq!(jobs.len(), 1);
    assert_eq!((jobs[0].dedup_key.clone(), jobs[0].run_at), (Some(format!("publish:{}", post.id)), at));
    assert_eq!(app.get("/budget-speech/").await.status, 404, "not public before its time");

    let later = masthead_core::to_stored_time(at + Duration::hours(1));
    app.newsroom.update_post(&post.id, scheduled("Budget speech", &anna, later)).await.expect("reschedule");
    let jobs = db.jobs().await.expect("jobs");
    assert_eq!(jobs.len(), 1, "rescheduling moves the job");
    assert_eq!(jobs[0].run_at, later);

    let mut draft = scheduled("Budget speech", &anna, later);
    draft.status = PostStatus::Draft;
    app.newsroom.update_post(&post.id, draft).await.expect("unschedule");
    assert!(db.jobs().await.expect("jobs").is_empty(), "unscheduling cancels the job");

    let past = scheduled("Too late", &anna, masthead_core::now() - Duration::minutes(1));
    assert!(matches!(app.newsroom.create_post(past).await, Err(masthead_app::AppError::Invalid { field: "published_at", .. })));
});

dual_db_test!(async fn a_scheduled_post_goes_live_within_five_seconds_of_its_time(db) {
    let app = TestApp::new(&db).await;
    let anna = StaffBuilder::new("Anna Field").create(&db).await;
    assert_eq!(app.get("/").await.status, 200);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn({
        let newsroom = app.newsroom.clone();
        async move { newsroom.run_worker("test-worker".into(), stopped).await }
    });
    let at = masthead_core::now() + Duration::seconds(2);
    let post = app.newsroom.create_post(scheduled("Polls close", &anna, at)).await.expect("schedule");
    let waited = wait_until_live(&app.newsroom, &post, StdDuration::from_secs(15)).await.expect("published");
    let _ = stop.send(true);
    worker.await.expect("worker stops");
    let late = masthead_core::now() - masthead_core::to_stored_time(at);
    assert!(late <= Duration::seconds(5), "published {late} after its time (waited {waited:?})");
    // Going live queues the story's narration; the publication job itself is done.
    let left: Vec<String> = db.jobs().await.expect("jobs").into_iter().map(|j| j.kind).collect();
    assert!(left.iter().all(|kind| kind == "narrate_post"), "the job is done: {left:?}");
    assert_eq!(app.get("/polls-close/").await.status, 200);
    assert!(app.get("/").await.text().contains("Polls close"), "the cached front page was refreshed");
});

dual_db_test!(async fn a_post_scheduled_during_downtime_is_published_at_start(db) {
    let app = TestApp::new(&db).await;
    let anna = StaffBuilder::new("Anna Field").create(&db).await;
    let at = masthead_core::now() + Duration::seconds(1);
    let post = app.newsroom.create_post(scheduled("Overnight curfew", &anna, at)).await.expect("schedule");
    // The server goes down before the post's time and stays down past it.
    db.close().await;
    tokio::time::sleep(StdDuration::from_millis(2200)).await;

    // A new server starts on the same database and its worker catches up.
    let media = tempfile::tempdir().expect("media dir");
    let restarted = Newsroom::new(db.reopen().await, MediaStore::local(media.path()).expect("media store"));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn({
        let newsroom = restarted.clone();
        async move { newsroom.run_worker("after-restart".into(), stopped).await }
    });
    let waited = wait_until_live(&restarted, &post, StdDuration::from_secs(10)).await;
    let _ = stop.send(true);
    worker.await.expect("worker stops");
    assert!(waited.is_some_and(|w| w < StdDuration::from_secs(5)), "published {waited:?} after start");
    restarted.close().await;
});
