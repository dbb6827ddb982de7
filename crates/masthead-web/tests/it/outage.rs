//! The database going away: requests that need it are answered 503 with `Retry-After` (a themed
//! page that needs no database, Ghost's envelope on the APIs), cached pages are still served, and
//! once the database is back the same app answers normally, without a restart.

use std::time::{Duration, Instant};

use masthead_core::{PostStatus, Role};
use masthead_storage::PoolSettings;
use masthead_test_utils::{PostBuilder, TcpProxy, TestApp, TestDb, TestResponse, dual_db_test};
use serde_json::Value;

use crate::admin::{send, staff};
use crate::api::admin_call;
use crate::newsroom;

/// A page the theme rendered (its stylesheet) saying the database is away, with no database.
fn assert_outage_page(response: &TestResponse, what: &str) {
    assert_eq!(response.status, 503, "{what}: {}", response.text());
    assert_eq!(response.header("retry-after"), Some("30"), "{what}");
    assert_eq!(response.header("cache-control"), Some("no-store"), "{what}: no cache may keep it");
    let page = response.text();
    assert!(page.contains("Back in a moment") && page.contains("Please try again in a minute"), "{what}: {page}");
    assert!(page.contains("The Harbour Post"), "{what}: the site as last seen, title and all: {page}");
    assert!(page.contains("/assets/css/"), "{what}: the theme's look: {page}");
}

fn assert_api_unavailable(response: &TestResponse) {
    assert_eq!(response.status, 503, "{}", response.text());
    assert_eq!(response.header("retry-after"), Some("30"));
    let body: Value = serde_json::from_slice(&response.body).expect("Ghost's error envelope");
    assert_eq!(body["errors"][0]["type"], "MaintenanceError", "{body}");
    assert!(!response.text().contains("pool") && !response.text().contains("sqlx"), "no internals: {body}");
}

/// An integration's Content API key and Admin API key.
async fn keys(app: &TestApp) -> (String, String) {
    let integration = app.newsroom.add_integration("Front end", None).await.expect("integration");
    (integration.content_key.expect("content key"), integration.admin_key.expect("admin key"))
}

dual_db_test!(async fn with_its_database_closed_an_instance_answers_503_and_serves_cached_pages(db) {
    let app = TestApp::another_instance(&db).await;
    let fixture = newsroom(&app).await;
    let (_, cookie) = staff(&app, "Olena Owner", Role::Owner).await;
    let (key, admin_key) = keys(&app).await;
    let home = app.get("/").await;
    assert_eq!(home.status, 200);
    app.db.close().await;

    let cached = app.get("/").await;
    assert_eq!((cached.status, &cached.body), (home.status, &home.body), "the cached front page is still served");
    assert_outage_page(&app.get(&format!("/{}/", fixture.lead.slug)).await, "a story never rendered");
    assert_outage_page(&app.get("/tag/society/").await, "an archive");
    assert_api_unavailable(&app.get(&format!("/ghost/api/content/posts/?key={key}")).await);
    // Not a 401: the key is fine, it just cannot be looked up.
    assert_api_unavailable(&admin_call(&app, &admin_key, "GET", "posts/", None).await);
    assert_api_unavailable(&app.get_with("/ghost/api/admin/posts/", &[("cookie", &cookie)]).await);
    // Staff at work are told to come back, not sent to sign in.
    assert_outage_page(&send(&app, "GET", "/admin/", Some(&cookie), "").await, "the newsroom");
    assert_outage_page(&send(&app, "POST", "/subscribe/", None, "email=reader%40example.org").await, "a sign-up");
    let missing = app.get("/no/such/page/").await;
    assert_eq!(missing.status, 404, "an unknown address is still not found");
    assert!(missing.text().contains("Page not found") && missing.text().contains("The Harbour Post"), "{}", missing.text());
});

/// The app reaches PostgreSQL through a proxy the test cuts and restores; the server itself keeps
/// running for the other tests.
#[tokio::test]
async fn postgres_going_away_is_answered_503_and_the_instance_recovers_by_itself() {
    let Some(db) = TestDb::postgres().await else { return };
    let proxy = TcpProxy::start(db.postgres_addr().expect("PostgreSQL's address")).await;
    let settings = PoolSettings { acquire_timeout: Duration::from_secs(1), ..PoolSettings::default() };
    let app = TestApp::over(db.reopen_postgres_at(proxy.addr(), settings).await).await;
    let fixture = newsroom(&app).await;
    let (key, _) = keys(&app).await;
    let home = app.get("/").await;
    assert_eq!(home.status, 200);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn({
        let newsroom = app.newsroom.clone();
        async move { newsroom.run_worker("through-the-outage".into(), stopped).await }
    });

    proxy.cut().await;
    let cached = app.get("/").await;
    assert_eq!((cached.status, &cached.body), (home.status, &home.body), "the cached front page is still served");
    let story = format!("/{}/", fixture.lead.slug);
    assert_outage_page(&app.get(&story).await, "a story never rendered");
    assert_api_unavailable(&app.get(&format!("/ghost/api/content/posts/?key={key}")).await);
    // Long enough for the worker to have met the outage several times.
    tokio::time::sleep(Duration::from_secs(3)).await;

    proxy.restore().await;
    let back = app.get(&story).await;
    assert_eq!(back.status, 200, "the pool connects again by itself: {}", back.text());
    assert!(back.text().contains("Floods reach the harbour district"));
    assert_eq!(app.get(&format!("/ghost/api/content/posts/?key={key}")).await.status, 200);

    // The job worker lived through it: a story scheduled now is published on time.
    let mut input = PostBuilder::published("Ferry service resumes").authors(&[&fixture.anna]).input();
    input.status = PostStatus::Scheduled;
    input.published_at = Some(masthead_core::now() + time::Duration::seconds(1));
    let scheduled = app.newsroom.create_post(input).await.expect("schedule");
    let started = Instant::now();
    let mut status = PostStatus::Scheduled;
    while status != PostStatus::Published && started.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(100)).await;
        status = app.db.post_by_id(&scheduled.id).await.expect("read").expect("post").status;
    }
    let _ = stop.send(true);
    worker.await.expect("the worker stops when asked, not before");
    assert_eq!(status, PostStatus::Published, "the worker kept running through the outage");
    app.db.close().await;
    db.finish().await;
}
