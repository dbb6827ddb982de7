//! A CDN in front is told which surrogate keys a change touched, once, by the instance that made
//! the change, through a durable job that retries a CDN that fails.

use std::time::Duration;

use masthead_app::cdn::PurgeHook;
use masthead_app::{ContentChange, Newsroom};
use masthead_media::MediaStore;
use masthead_test_utils::{HttpRecorder, PostBuilder, StaffBuilder, dual_db_test};

/// Runs due jobs until the CDN has received `count` purges (or ten seconds pass).
async fn purges_after_jobs(newsroom: &Newsroom, cdn: &HttpRecorder, count: usize) -> Vec<serde_json::Value> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while cdn.requests().len() < count && tokio::time::Instant::now() < deadline {
        if !newsroom.run_next_job("test").await.expect("job") {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    cdn.requests().iter().map(|r| r.json()).collect()
}

dual_db_test!(async fn changes_made_here_purge_the_cdn_by_key(db) {
    let media = tempfile::tempdir().expect("media");
    let cdn = HttpRecorder::start().await;
    let hook = PurgeHook { url: format!("{}/purge", cdn.url()), token: Some("purge-token".into()) };
    let newsroom = Newsroom::new(db.db().clone(), MediaStore::local(media.path()).expect("media")).with_cdn_purge(Some(hook));
    let anna = StaffBuilder::new("Anna Field").create(&db).await;
    let post = PostBuilder::published("Floods reach the harbour").authors(&[&anna]).tags(&["Weather"]).create(&newsroom).await;

    let purges = purges_after_jobs(&newsroom, &cdn, 2).await;
    let keys: Vec<String> = purges.iter().flat_map(|p| p["keys"].as_array().cloned().unwrap_or_default()).filter_map(|k| k.as_str().map(str::to_owned)).collect();
    for wanted in [format!("post-{}", post.id), format!("tag-{}", post.tags[0].id), format!("author-{}", anna.id), "home".into(), "feed".into()] {
        assert!(keys.contains(&wanted), "{wanted} in {keys:?}");
    }
    let request = &cdn.requests()[0];
    assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", "/purge"));
    assert_eq!(request.headers.get("authorization").and_then(|v| v.to_str().ok()), Some("Bearer purge-token"));
    assert_eq!(request.headers.get("content-type").and_then(|v| v.to_str().ok()), Some("application/json"));

    // A change another instance made is that instance's to purge.
    let before = cdn.requests().len();
    newsroom.changes.publish_announced(&ContentChange::Settings);
    tokio::time::sleep(Duration::from_millis(100)).await;
    while newsroom.run_next_job("test").await.expect("job") {}
    assert_eq!(cdn.requests().len(), before, "announced changes are not purged twice");

    // A CDN that fails is tried again later: the job stays, with the answer.
    cdn.answer_with(503);
    newsroom.changes.publish(&ContentChange::Settings);
    purges_after_jobs(&newsroom, &cdn, before + 1).await;
    let jobs = db.jobs().await.expect("jobs");
    let waiting: Vec<_> = jobs.iter().filter(|j| j.kind == "purge_cdn").collect();
    assert_eq!(waiting.len(), 1, "{jobs:?}");
    assert!(waiting[0].last_error.as_deref().is_some_and(|e| e.contains("503")), "{waiting:?}");
    assert!(waiting[0].payload.contains("\"site\""), "{}", waiting[0].payload);
});
