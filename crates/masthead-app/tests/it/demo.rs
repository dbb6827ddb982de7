use std::sync::{Arc, Mutex};

use masthead_app::{ContentChange, Newsroom, demo};
use masthead_core::{ObjectId, PostType, Reader, Visibility};
use masthead_storage::{PageRequest, PostList};
use masthead_test_utils::{TestApp, dual_db_test};

/// The demo photo jobs still waiting.
async fn photo_jobs(db: &masthead_storage::Db) -> usize {
    db.jobs().await.expect("jobs").iter().filter(|j| j.kind == "paint_demo_photo" && j.status == "pending").count()
}

/// The stories that announced a change on the bus.
fn changed_posts(newsroom: &Newsroom) -> Arc<Mutex<Vec<ObjectId>>> {
    let changed: Arc<Mutex<Vec<ObjectId>>> = Arc::default();
    let sink = changed.clone();
    newsroom.changes.subscribe(move |change| {
        if let ContentChange::Post { id, .. } = change {
            sink.lock().expect("lock").push(id.clone());
        }
    });
    changed
}

dual_db_test!(async fn the_demo_newsroom_is_complete_and_seeding_is_idempotent(db) {
    let app = TestApp::new(&db).await;
    let report = demo::seed(&app.newsroom).await.expect("seed");
    assert!(report.created >= 42, "{report:?}");
    assert_eq!(report.skipped, 0);

    // The stories are there at once; their photos are queued, one job each.
    let posts = db.published_posts(PostList::All, PageRequest::new(1, 100)).await.expect("posts");
    assert!(posts.total >= 40, "{} articles", posts.total);
    assert!(posts.items.iter().all(|p| p.feature_image.is_none()), "no photo is painted while seeding");
    assert_eq!(photo_jobs(&db).await, posts.items.len());

    let changed = changed_posts(&app.newsroom);
    let painted = app.newsroom.paint_demo_photos("test").await.expect("paint");
    assert_eq!(painted, posts.items.len());
    assert_eq!(photo_jobs(&db).await, 0);
    let mut announced = changed.lock().expect("lock").clone();
    announced.sort();
    let mut ids: Vec<ObjectId> = posts.items.iter().map(|p| p.id.clone()).collect();
    ids.sort();
    assert_eq!(announced, ids, "each story's new photo is announced as an edit of it");
    let posts = db.published_posts(PostList::All, PageRequest::new(1, 100)).await.expect("posts");
    let sections = db.public_tags_with_published_posts().await.expect("sections");
    assert!(sections.iter().filter(|s| s.post_count >= 2).count() >= 5);
    let authors = db.authors_with_published_posts().await.expect("authors");
    assert!(authors.len() >= 4);
    assert!(posts.items.iter().filter(|p| p.authors.len() > 1).count() >= 5, "multi-author bylines");
    for post in &posts.items {
        let image = post.feature_image.as_deref().expect("every story has a hero image");
        assert!(post.feature_image_caption.is_some() && post.feature_image_credit.is_some() && post.feature_image_alt.is_some());
        let key = format!("images/{}", image.trim_start_matches("/content/images/"));
        assert!(app.media.get(&key).await.expect("read").is_some(), "{key} was generated");
    }
    // One investigation is for members and the editor's briefing for paying members, each with
    // its public opening marked; the rest is public.
    let gated: Vec<(&str, Visibility)> =
        posts.items.iter().filter(|p| p.is_gated()).map(|p| (p.slug.as_str(), p.visibility)).collect();
    assert_eq!(
        gated,
        [
            ("tracing-the-imported-parts-inside-aldovian-drone-factories", Visibility::Members),
            ("members-briefing-what-we-are-investigating-next", Visibility::Paid),
        ]
    );
    let gated = posts.items.iter().find(|p| p.is_gated()).expect("the members-only story");
    assert_eq!(gated.visibility, Visibility::Members);
    let seen = masthead_render::gating::seen_by(gated, Reader::Anonymous);
    assert!(!seen.access && seen.post.html.contains("a small number of suppliers abroad"), "{}", seen.post.html);
    assert!(!seen.post.html.contains("We assemble here"));
    assert!(db.post_by_slug(PostType::Page, "about").await.expect("about").is_some());
    assert!(db.post_by_slug(PostType::Page, "membership").await.expect("membership").is_some());
    assert_eq!(db.site_settings().await.expect("settings").title, "The Korvet Independent");
    let newsletters: Vec<String> = db.newsletters(false).await.expect("newsletters").iter().map(|n| n.name.clone()).collect();
    assert_eq!(newsletters, ["Morning Brief", "Frontline Dispatch"]);
    // Two paid tiers to join, at the prices most members of such a newsroom pay.
    let tiers: Vec<(String, Option<i64>)> =
        db.tiers().await.expect("tiers").iter().map(|t| (t.name.clone(), t.monthly_price)).collect();
    assert_eq!(tiers, [("Free".to_owned(), None), ("Member".into(), Some(500)), ("Sustainer".into(), Some(1000))]);

    let again = demo::seed(&app.newsroom).await.expect("seed again");
    assert_eq!(again.created, 0);
    assert_eq!(again.skipped, report.created);
    assert_eq!(db.count_posts().await.expect("count") as usize, report.created);
    assert_eq!(photo_jobs(&db).await, 0, "kept stories queue no photo");
});

dual_db_test!(async fn a_restart_paints_the_photos_an_interrupted_run_left_and_keeps_an_editors_choice(db) {
    let app = TestApp::new(&db).await;
    demo::seed(&app.newsroom).await.expect("seed");
    let total = photo_jobs(&db).await;

    // The first run paints the newest stories first (the front page fills in first), then
    // stops with one photo half painted: its job is still held by the stopped worker.
    assert!(app.newsroom.run_next_demo_photo("host/jobs/demo-photos").await.expect("paint"));
    assert!(app.newsroom.run_next_demo_photo("host/jobs/demo-photos").await.expect("paint"));
    let posts = db.published_posts(PostList::All, PageRequest::new(1, 100)).await.expect("posts");
    let mut newest = posts.items.clone();
    newest.sort_by_key(|p| std::cmp::Reverse(p.published_at));
    let with_photo: Vec<&str> = newest.iter().filter(|p| p.feature_image.is_some()).map(|p| p.slug.as_str()).collect();
    let first_two: Vec<&str> = newest.iter().take(2).map(|p| p.slug.as_str()).collect();
    assert_eq!(with_photo, first_two);
    let held = db
        .claim_job_in("host/jobs/demo-photos", masthead_core::now(), time::Duration::minutes(2), &masthead_storage::JobQueue::All)
        .await
        .expect("claim")
        .expect("a photo job");
    // An editor gives one of the waiting stories a photo of their own meanwhile.
    let chosen = &newest[5];
    let mut edited = chosen.clone();
    edited.feature_image = Some("/content/images/2026/01/editors-choice.jpg".into());
    assert!(db.update_post(&edited).await.expect("edit"));
    assert_eq!(photo_jobs(&db).await, total - 2);

    // After the restart the worker takes up its last run's job at once and paints the rest.
    let restarted = Newsroom::new(db.reopen().await, app.media.clone());
    let (announce, mut announced) = tokio::sync::mpsc::unbounded_channel();
    restarted.changes.subscribe(move |change| {
        if let ContentChange::Post { id, .. } = change {
            let _ = announce.send(id.clone());
        }
    });
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn({
        let restarted = restarted.clone();
        async move { restarted.run_worker("host/jobs".into(), stopped).await }
    });
    // Every waiting story but the editor's is announced once its photo is in; the editor's
    // story's job finds a photo chosen and ends without a change.
    let mut changed = Vec::new();
    while changed.len() < total - 3 {
        let id = tokio::time::timeout(std::time::Duration::from_secs(300), announced.recv())
            .await
            .expect("the painter finishes")
            .expect("the bus is open");
        changed.push(id);
    }
    // A worker told to stop finishes the job it is running first.
    let _ = stop.send(true);
    worker.await.expect("worker stops");
    assert_eq!(photo_jobs(&db).await, 0);
    assert!(!changed.contains(&chosen.id));
    assert!(!db.jobs().await.expect("jobs").iter().any(|j| j.id == held.id), "the held job ran after the restart");
    let posts = db.published_posts(PostList::All, PageRequest::new(1, 100)).await.expect("posts");
    for post in &posts.items {
        let image = post.feature_image.as_deref().expect("every story has its photo");
        if post.id == chosen.id {
            assert_eq!(image, "/content/images/2026/01/editors-choice.jpg", "the editor's photo is kept");
        } else {
            let key = format!("images/{}", image.trim_start_matches("/content/images/"));
            assert!(app.media.get(&key).await.expect("read").is_some(), "{key} was painted");
        }
    }
});
