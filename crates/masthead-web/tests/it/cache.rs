use std::io::Read;

use masthead_app::{PostBody, PostInput};
use masthead_core::{PostStatus, PostType};
use masthead_test_utils::{StaffBuilder, TestApp, dual_db_test};

use crate::newsroom;

dual_db_test!(async fn pages_are_served_from_the_cache_with_etags_and_304s(db) {
    let app = TestApp::new(&db).await;
    newsroom(&app).await;
    let path = "/floods-reach-the-harbour-district/";
    assert!(!app.state.cache.contains(path));
    let first = app.get(path).await;
    assert_eq!(first.status, 200);
    assert!(app.state.cache.contains(path), "the rendered page is cached");
    let etag = first.header("etag").expect("etag").to_owned();
    assert!(first.header("cache-control").is_some_and(|c| c.contains("s-maxage")));
    assert_eq!(first.header("vary"), Some("accept-encoding"));

    let second = app.get(path).await;
    assert_eq!(second.body, first.body);
    let revalidated = app.get_with(path, &[("if-none-match", &etag)]).await;
    assert_eq!(revalidated.status, 304);
    assert!(revalidated.body.is_empty());
    let stale = app.get_with(path, &[("if-none-match", "\"something-else\"")]).await;
    assert_eq!(stale.status, 200);
});

dual_db_test!(async fn compressed_representations_decode_to_the_same_page(db) {
    let app = TestApp::new(&db).await;
    newsroom(&app).await;
    let plain = app.get("/").await;
    assert_eq!(plain.header("content-encoding"), None);

    let br = app.get_with("/", &[("accept-encoding", "gzip, deflate, br")]).await;
    assert_eq!(br.header("content-encoding"), Some("br"));
    let mut decoded = Vec::new();
    brotli::Decompressor::new(&br.body[..], 4096).read_to_end(&mut decoded).expect("valid brotli");
    assert_eq!(decoded, plain.body.to_vec());
    assert!(br.body.len() * 3 < plain.body.len(), "compression pays off");
    assert_ne!(br.header("etag"), plain.header("etag"), "each representation has its own ETag");

    let gz = app.get_with("/", &[("accept-encoding", "gzip")]).await;
    assert_eq!(gz.header("content-encoding"), Some("gzip"));
    let mut decoded = Vec::new();
    flate2::read::GzDecoder::new(&gz.body[..]).read_to_end(&mut decoded).expect("valid gzip");
    assert_eq!(decoded, plain.body.to_vec());
});

dual_db_test!(async fn an_edit_invalidates_exactly_the_pages_that_show_the_story(db) {
    let app = TestApp::new(&db).await;
    let f = newsroom(&app).await;
    let pages = [
        "/",
        "/rss/",
        "/floods-reach-the-harbour-district/",
        "/volunteers-fill-sandbags-on-the-quay/",
        "/tag/society/",
        "/author/anna-field/",
        "/tag/culture/",
        "/sitemap-posts.xml",
    ];
    for page in pages {
        assert_eq!(app.get(page).await.status, 200, "{page}");
        assert!(app.state.cache.contains(page), "{page} cached");
    }
    let mut input = PostInput::new(PostType::Post, "Floods recede from the harbour district", PostBody::Html(f.lead.html.clone()), vec![f.anna.id.clone(), f.boris.id.clone()]);
    input.status = PostStatus::Published;
    input.tags = vec!["Society".into(), "Weather".into()];
    app.newsroom.update_post(&f.lead.id, input).await.expect("edit headline");

    for page in ["/", "/rss/", "/floods-reach-the-harbour-district/", "/volunteers-fill-sandbags-on-the-quay/", "/tag/society/", "/author/anna-field/", "/sitemap-posts.xml"] {
        assert!(!app.state.cache.contains(page), "{page} shows the story and must be dropped");
    }
    assert!(app.state.cache.contains("/tag/culture/"), "a section the story is not in keeps its cached page");
    assert!(app.get("/").await.text().contains("Floods recede from the harbour district"));
    assert!(app.get("/volunteers-fill-sandbags-on-the-quay/").await.text().contains("Floods recede from the harbour district"), "related stories show the new headline");
});

dual_db_test!(async fn settings_changes_clear_the_whole_cache(db) {
    let app = TestApp::new(&db).await;
    newsroom(&app).await;
    app.get("/").await;
    app.get("/tag/society/").await;
    let mut settings = app.db.site_settings().await.expect("settings");
    settings.title = "The Renamed Post".into();
    app.db.save_site_settings(&settings).await.expect("save");
    app.newsroom.changes.publish(&masthead_app::ContentChange::Settings);
    assert!(app.state.cache.is_empty());
    assert!(app.get("/tag/society/").await.text().contains("The Renamed Post"));
});

dual_db_test!(async fn only_a_live_staff_session_bypasses_the_cache(db) {
    let app = TestApp::new(&db).await;
    let f = newsroom(&app).await;
    let path = "/floods-reach-the-harbour-district/";
    let public = app.get(path).await;
    assert_eq!(public.status, 200);
    // A change written straight to storage announces nothing: the cached page keeps the old
    // headline, and only a fresh render shows the new one.
    let mut edited = app.db.post_by_id(&f.lead.id).await.expect("read").expect("exists");
    edited.title = "Written behind the cache".into();
    assert!(app.db.update_post(&edited).await.expect("update"));

    let suspended = StaffBuilder::new("Sam Suspended").suspended().create(&app.db).await;
    let suspended_token = app.newsroom.open_session(&suspended, None, None).await.expect("session");
    let editor = app.newsroom.add_staff("Ed Itor", "ed@news.example.org", masthead_core::Role::Editor, Some("a long enough secret")).await.expect("editor");
    let token = app.newsroom.open_session(&editor, None, None).await.expect("session");
    let made_up = [
        app.session_cookie("1"),
        app.session_cookie("not-a-session-at-all"),
        app.session_cookie(&"ab".repeat(32)),
        app.session_cookie(&suspended_token),
        // A real token under the plain name is not read on an https site.
        format!("masthead_session={token}"),
    ];
    for cookie in &made_up {
        let answer = app.get_with(path, &[("cookie", cookie)]).await;
        assert_eq!(answer.status, 200, "{cookie}");
        assert!(answer.body == public.body, "{cookie}: served from the cache, not rendered");
        assert_eq!(answer.header("cache-control"), public.header("cache-control"), "{cookie}");
        assert!(!answer.text().contains("Edit post"), "{cookie}");
    }

    // A live staff session still renders afresh, with the staff controls, privately.
    let staff = app.get_with(path, &[("cookie", &app.session_cookie(&token))]).await;
    assert!(staff.text().contains("Written behind the cache"), "rendered for the staff member");
    assert!(staff.text().contains(&format!("href=\"/admin/posts/{}/\">Edit post</a>", f.lead.id)));
    assert_eq!(staff.header("cache-control"), Some("private, no-store"));
    assert_eq!(app.get(path).await.body, public.body, "the staff view never reaches the public cache");
});

dual_db_test!(async fn public_pages_carry_surrogate_keys_naming_what_they_show(db) {
    let app = TestApp::new(&db).await;
    let f = newsroom(&app).await;
    let keys = |response: &masthead_test_utils::TestResponse| -> Vec<String> {
        response.header("surrogate-key").unwrap_or_default().split(' ').map(str::to_owned).collect()
    };
    let article = app.get("/floods-reach-the-harbour-district/").await;
    let article_keys = keys(&article);
    for wanted in ["site".to_owned(), format!("post-{}", f.lead.id), format!("author-{}", f.anna.id), format!("tag-{}", f.lead.tags[0].id)] {
        assert!(article_keys.contains(&wanted), "{wanted} in {article_keys:?}");
    }
    assert_eq!(article.header("cache-tag").map(|t| t.split(',').count()), Some(article_keys.len()), "the same keys for Cloudflare");
    // Served again from the cache, with the same keys.
    assert_eq!(keys(&app.get("/floods-reach-the-harbour-district/").await), article_keys);
    assert!(keys(&app.get("/").await).contains(&"home".to_owned()));
    assert!(keys(&app.get("/rss/").await).contains(&"feed".to_owned()));
    let tag_page = app.get(&format!("/tag/{}/", f.lead.tags[0].slug)).await;
    assert!(keys(&tag_page).contains(&format!("tag-{}", f.lead.tags[0].id)));
});

/// Two instances on one PostgreSQL database: a change made through one reaches the other's page
/// cache through the database's announcements.
#[tokio::test]
async fn a_change_made_on_one_instance_reaches_the_others_cache() {
    let Some(db) = masthead_test_utils::TestDb::postgres().await else { return };
    let first = TestApp::new(&db).await;
    let second = TestApp::new(&db).await;
    let f = newsroom(&first).await;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let listening = tokio::spawn({
        let newsroom = second.newsroom.clone();
        async move { newsroom.run_change_listener(stopped).await }
    });
    let path = "/floods-reach-the-harbour-district/";
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    // Once the second instance listens, a settings change on the first empties its cache.
    let settings = first.db.site_settings().await.expect("settings");
    loop {
        second.get(path).await;
        first.db.save_site_settings(&settings).await.expect("settings");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        if !second.state.cache.contains(path) {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the second instance never heard the first");
    }
    // It keeps the article again.
    second.get(path).await;
    assert!(second.state.cache.contains(path));
    // The first instance changes the headline; the second drops its copy and shows the new one.
    let mut input = PostInput::from_post(&f.lead);
    input.title = "Floods recede from the harbour district".into();
    input.slug = Some(f.lead.slug.to_string());
    first.newsroom.update_post(&f.lead.id, input).await.expect("edit headline");
    loop {
        if second.get(path).await.text().contains("Floods recede") {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the second instance still shows the old headline");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let _ = stop.send(true);
    listening.await.expect("listener stops");
    db.finish().await;
}

dual_db_test!(async fn content_api_answers_are_kept_for_every_key_until_something_changes(db) {
    let app = TestApp::new(&db).await;
    let f = newsroom(&app).await;
    let one = app.newsroom.add_integration("Front end", None).await.expect("one").content_key.expect("key");
    let two = app.newsroom.add_integration("App", None).await.expect("two").content_key.expect("key");
    let query = "limit=15&include=tags,authors";
    let url = |key: &str| format!("/ghost/api/content/posts/?{query}&key={key}");
    let kept = masthead_web::cache::api_key("/ghost/api/content/posts/", Some(query));

    let first = app.get(&url(&one)).await;
    assert_eq!(first.status, 200);
    assert!(app.state.cache.contains(&kept), "the answer is kept under its query, without the key");
    assert_eq!(first.header("content-version"), Some("v6.65"), "the API's own headers are kept with it");
    assert_eq!(first.header("vary"), Some("Accept-Version, Accept-Encoding"));
    let second = app.get(&url(&two)).await;
    assert_eq!((second.body.clone(), second.header("etag")), (first.body.clone(), first.header("etag")));
    let etag = first.header("etag").expect("etag").to_owned();
    assert!(etag.starts_with("W/\""), "weak, as Ghost's: {etag}");
    assert_eq!(app.get_with(&url(&two), &[("if-none-match", &etag)]).await.status, 304);

    let br = app.get_with(&url(&one), &[("accept-encoding", "gzip, deflate, br")]).await;
    assert_eq!(br.header("content-encoding"), Some("br"));
    let mut decoded = Vec::new();
    brotli::Decompressor::new(&br.body[..], 4096).read_to_end(&mut decoded).expect("valid brotli");
    assert_eq!(decoded, first.body.to_vec(), "compressed once, the same answer");

    // Unknown keys are still refused, cached answer or not.
    assert_eq!(app.get(&url("0123456789abcdef0123456789")).await.status, 401);

    // An edit drops the answer: the next one has the new headline.
    let mut input = PostInput::from_post(&f.lead);
    input.title = "Floods recede from the harbour district".into();
    app.newsroom.update_post(&f.lead.id, input).await.expect("edit");
    assert!(!app.state.cache.contains(&kept));
    assert!(app.get(&url(&one)).await.text().contains("Floods recede from the harbour district"));

    // So does a staff write the content bus does not carry (a new newsletter).
    let tiers = "/ghost/api/content/newsletters/";
    let tiers_key = masthead_web::cache::api_key(tiers, None);
    assert_eq!(app.get(&format!("{tiers}?key={one}")).await.status, 200);
    assert!(app.state.cache.contains(&tiers_key));
    app.newsroom
        .add_staff("Olena Owner", "owner@news.example.org", masthead_core::Role::Owner, Some("a long enough secret"))
        .await
        .expect("owner");
    let admin_key = app.newsroom.add_integration("Admin", None).await.expect("admin").admin_key.expect("admin key");
    let added = crate::api::admin_call(
        &app,
        &admin_key,
        "POST",
        "newsletters/",
        Some(serde_json::json!({"newsletters": [{"name": "Weekend Reads"}]})),
    )
    .await;
    assert_eq!(added.status, 201, "{}", added.text());
    assert!(!app.state.cache.contains(&tiers_key), "a staff write drops the kept answers");
    assert!(app.get(&format!("{tiers}?key={one}")).await.text().contains("Weekend Reads"));
});

dual_db_test!(async fn a_demo_photo_that_is_ready_replaces_the_cached_front_page(db) {
    let app = TestApp::new(&db).await;
    masthead_app::demo::seed(&app.newsroom).await.expect("seed");
    let before = app.get("/").await;
    assert_eq!(before.status, 200, "the front page is served before any photo is painted");
    assert!(app.state.cache.contains("/"), "and cached");

    // The newest story's photo is painted first: the cached front page gives way to one with it.
    assert!(app.newsroom.run_next_demo_photo("test").await.expect("paint"));
    let posts = app
        .db
        .published_posts(masthead_storage::PostList::All, masthead_storage::PageRequest::new(1, 100))
        .await
        .expect("posts");
    let painted: Vec<&str> = posts.items.iter().filter_map(|p| p.feature_image.as_deref()).collect();
    assert_eq!(painted.len(), 1, "{painted:?}");
    let stem = painted[0].trim_start_matches("/content/images/").trim_end_matches(".jpg");
    assert!(!before.text().contains(stem), "{stem} was not painted yet");
    assert!(!app.state.cache.contains("/"), "the story's change dropped the cached front page");
    let after = app.get("/").await;
    assert_eq!(after.status, 200);
    assert!(after.text().contains(stem), "the front page shows {stem}");
    assert_ne!(before.header("etag"), after.header("etag"));
});
