//! The live news feed and the editors' picks on the site: the composer, the block on the home
//! and article pages, `/news/` and its pages, permalinks, RSS, the live stream and the poll,
//! the APIs, and the picks.

use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use masthead_app::newsroom::feed::FeedItemInput;
use masthead_core::{Actor, ObjectId, Role};
use masthead_test_utils::{PostBuilder, TestApp, dual_db_test};
use scraper::Html;
use serde_json::json;

use crate::admin::{send, staff};
use crate::api::{admin_call, integration, json_of};
use crate::{newsroom, select, text_of};

fn item(headline: &str) -> FeedItemInput {
    FeedItemInput {
        headline: headline.into(),
        body: "Explosions heard in the *east*.".into(),
        ..FeedItemInput::default()
    }
}

async fn editor(app: &TestApp) -> Actor {
    let user = app
        .newsroom
        .add_staff("Olena Editor", "olena@news.example.org", Role::Editor, Some("a long enough secret"))
        .await
        .expect("editor");
    Actor { user_id: user.id, role: Role::Editor }
}

fn headlines(html: &str, list: &str) -> Vec<String> {
    let html = Html::parse_document(html);
    select(&html, &format!("{list} .feed-item__headline")).iter().map(text_of).collect()
}

dual_db_test!(async fn editors_post_from_the_composer_and_readers_see_it_everywhere(db) {
    let app = TestApp::new(&db).await;
    let fixture = newsroom(&app).await;
    let (_, editor) = staff(&app, "Olena Editor", Role::Editor).await;
    let (_, author) = staff(&app, "Anna Author", Role::Author).await;
    // Pages cached before the item is posted are refreshed by it.
    let article_path = format!("/{}/", fixture.lead.slug);
    assert!(headlines(&app.get("/").await.text(), ".news-feed").is_empty());
    app.get(&article_path).await;

    let composer = send(&app, "GET", "/admin/feed/", Some(&editor), "").await;
    assert_eq!(composer.status, 200);
    assert!(composer.text().contains("autofocus"), "the headline field takes the keyboard at once");
    assert_eq!(send(&app, "GET", "/admin/feed/", Some(&author), "").await.status, 403, "authors, unless allowed");
    let refused = send(&app, "POST", "/admin/feed/", Some(&author), "headline=Nope").await;
    assert_eq!(refused.status, 403);

    // "Post to feed" from a story's page, for staff who may: the composer links the story.
    let as_editor = send(&app, "GET", &article_path, Some(&editor), "").await.text();
    assert!(as_editor.contains(&format!("href=\"/admin/feed/?post={}\">Post to feed</a>", fixture.lead.id)));
    assert!(!send(&app, "GET", &article_path, Some(&author), "").await.text().contains("Post to feed"));
    let prefilled = send(&app, "GET", &format!("/admin/feed/?post={}", fixture.lead.id), Some(&editor), "").await;
    assert!(prefilled.text().contains(&format!("<option value=\"{}\" selected>", fixture.lead.id)));

    let form = format!("headline=Air+raid+alert+over&body=All+clear+in+**Kyiv**.&post_id={}&key_event=on", fixture.lead.id);
    let posted = send(&app, "POST", "/admin/feed/", Some(&editor), &form).await;
    assert_eq!(posted.status, 303, "{}", posted.text());
    let invalid = send(&app, "POST", "/admin/feed/", Some(&editor), "headline=&body=Kept+text").await;
    assert_eq!(invalid.status, 422);
    assert!(invalid.text().contains("needs a headline") && invalid.text().contains("Kept text"), "the text typed is kept");

    for path in ["/", article_path.as_str(), "/news/"] {
        let page = app.get(path).await;
        assert_eq!(page.status, 200, "{path}");
        assert_eq!(headlines(&page.text(), "[data-live-feed]"), ["Air raid alert over"], "{path}");
        let html = Html::parse_document(&page.text());
        let item = select(&html, "[data-live-feed] .feed-item");
        assert!(item[0].value().attr("class").is_some_and(|c| c.contains("feed-item--key")), "{path}");
        assert!(page.text().contains("All clear in <strong>Kyiv</strong>."), "{path}: Markdown rendered");
        assert!(page.text().contains(&format!("href=\"/{}/\"", fixture.lead.slug)), "{path}: the linked story");
        assert!(page.text().contains("/assets/js/live."), "{path}: the live script");
    }
    // A clock time in the site's time zone (Europe/Kyiv in the fixture).
    let item = &db.feed_page(None, 1).await.expect("items")[0];
    let kyiv = item.published_at.to_offset(time::UtcOffset::from_hms(2, 0, 0).expect("offset"));
    let clock = format!("{:02}:{:02}", kyiv.hour(), kyiv.minute());
    let news = app.get("/news/").await.text();
    let html = Html::parse_document(&news);
    assert_eq!(text_of(&select(&html, "[data-live-feed] .feed-item__time time")[0]), clock);

    // Editing shows "updated"; deleting removes it from every page.
    let id = item.id.clone();
    let edited = send(&app, "POST", &format!("/admin/feed/{id}/"), Some(&editor), "headline=Air+raid+alert+is+over&body=All+clear.").await;
    assert_eq!(edited.status, 303);
    let page = app.get("/").await.text();
    assert_eq!(headlines(&page, "[data-live-feed]"), ["Air raid alert is over"]);
    assert!(page.contains("feed-item__updated"), "edits are shown as updated");
    assert_eq!(send(&app, "POST", &format!("/admin/feed/{id}/delete/"), Some(&author), "").await.status, 403);
    assert_eq!(send(&app, "POST", &format!("/admin/feed/{id}/delete/"), Some(&editor), "").await.status, 303);
    for path in ["/", article_path.as_str(), "/news/"] {
        assert!(headlines(&app.get(path).await.text(), "[data-live-feed]").is_empty(), "{path}");
    }
    assert_eq!(app.get(&format!("/news/{id}/")).await.status, 404);
});

dual_db_test!(async fn more_news_pages_stay_the_same_while_new_items_arrive(db) {
    let app = TestApp::new(&db).await;
    let editor = editor(&app).await;
    let now = masthead_core::now();
    for n in 1..=25 {
        // Items a minute apart, as a busy desk posts them.
        let at = Some(now - time::Duration::minutes(30 - n));
        let input = FeedItemInput { published_at: at, ..item(&format!("Update {n}")) };
        app.newsroom.post_feed_item(&editor, input).await.expect("post");
    }
    app.state.cache.clear();
    let first = app.get("/news/").await;
    let page = Html::parse_document(&first.text());
    let shown = headlines(&first.text(), "[data-live-feed]");
    assert_eq!(shown.len(), 20);
    assert_eq!(shown[0], "Update 25");
    let more = select(&page, "a[data-more-news]")[0].value().attr("href").expect("href").to_owned();
    assert!(more.starts_with("/news/before/"), "{more}");
    assert!(first.text().contains(&format!("<link rel=\"next\" href=\"https://news.example.org{more}\">")));
    let older = app.get(&more).await;
    assert_eq!(headlines(&older.text(), "[data-live-older]"), ["Update 5", "Update 4", "Update 3", "Update 2", "Update 1"]);
    assert!(!older.text().contains("data-more-news"), "the last page has no More news");

    for n in 26..=28 {
        app.newsroom.post_feed_item(&editor, item(&format!("Update {n}"))).await.expect("post");
    }
    let again = app.get(&more).await;
    assert_eq!(headlines(&again.text(), "[data-live-older]"), ["Update 5", "Update 4", "Update 3", "Update 2", "Update 1"]);
    assert_eq!(app.get("/news/before/nonsense/").await.status, 404);
});

dual_db_test!(async fn each_item_has_a_permalink_with_its_own_sharing_data_and_the_feed_has_rss_and_json_ld(db) {
    let app = TestApp::new(&db).await;
    newsroom(&app).await;
    let editor = editor(&app).await;
    let input = FeedItemInput {
        image: Some("/content/images/2026/12/strike.jpg".into()),
        image_credit: Some("Photo: Oleh Petrenko".into()),
        ..item("Strike on a power station")
    };
    let posted = app.newsroom.post_feed_item(&editor, input).await.expect("post");
    let page = app.get(&format!("/news/{}/", posted.id)).await;
    assert_eq!(page.status, 200);
    let text = page.text();
    assert!(text.contains("<meta property=\"og:title\" content=\"Strike on a power station\">"), "{text}");
    assert!(text.contains("<meta property=\"og:description\" content=\"Explosions heard in the east.\">"), "{text}");
    assert!(text.contains("<meta property=\"og:image\" content=\"https://news.example.org/content/images/size/w960/2026/12/strike.jpg\">"), "{text}");
    assert!(text.contains("Photo: Oleh Petrenko"));
    assert!(text.contains(&format!("<link rel=\"canonical\" href=\"https://news.example.org/news/{}/\">", posted.id)));

    let news = app.get("/news/").await.text();
    let html = Html::parse_document(&news);
    let ld: serde_json::Value =
        serde_json::from_str(&text_of(&select(&html, "script[type='application/ld+json']")[0])).expect("JSON-LD");
    assert_eq!(ld["@type"], "LiveBlogPosting");
    assert_eq!(ld["liveBlogUpdate"][0]["@type"], "BlogPosting");
    assert_eq!(ld["liveBlogUpdate"][0]["headline"], "Strike on a power station");
    assert_eq!(ld["liveBlogUpdate"][0]["author"]["name"], "Olena Editor");

    let rss = app.get("/news/rss/").await;
    assert_eq!(rss.header("content-type"), Some("application/rss+xml; charset=utf-8"));
    let xml = rss.text();
    let doc = roxmltree::Document::parse(&xml).expect("well-formed RSS");
    let titles: Vec<&str> = doc.descendants().filter(|n| n.has_tag_name("item")).filter_map(|i| i.children().find(|c| c.has_tag_name("title")).and_then(|t| t.text())).collect();
    assert_eq!(titles, ["Strike on a power station"]);
    assert!(xml.contains(&format!("https://news.example.org/news/{}/", posted.id)));
});

/// Reads a Server-Sent Events body until an event of `kind` arrives (ten seconds at most):
/// every event read, as (id, kind, data).
async fn events_until(body: &mut Body, kind: &str) -> Vec<(String, String, serde_json::Value)> {
    let mut buffer = String::new();
    let mut events = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let field = |name: &str| {
                block.lines().find_map(|l| l.strip_prefix(&format!("{name}:"))).map(|v| v.trim_start().to_owned())
            };
            if let Some(event) = field("event") {
                let data = serde_json::from_str(&field("data").unwrap_or_default()).unwrap_or_default();
                let done = event == kind;
                events.push((field("id").unwrap_or_default(), event, data));
                if done {
                    return events;
                }
            }
        }
        let frame = tokio::time::timeout_at(deadline, body.frame())
            .await
            .unwrap_or_else(|_| panic!("no {kind} event within ten seconds; read {events:?}"))
            .expect("the stream stays open")
            .expect("a frame");
        if let Ok(data) = frame.into_data() {
            buffer.push_str(&String::from_utf8_lossy(&data));
        }
    }
}

fn events_request(query: &str, last_event_id: Option<&str>) -> Request<Body> {
    let mut request = Request::get(format!("/news/events{query}"));
    if let Some(id) = last_event_id {
        request = request.header("last-event-id", id);
    }
    request.body(Body::empty()).expect("request")
}

dual_db_test!(async fn open_pages_receive_new_edited_and_deleted_items_and_resume_where_they_left(db) {
    let app = TestApp::new(&db).await;
    let editor = editor(&app).await;
    let before = app.newsroom.post_feed_item(&editor, item("Before the page opened")).await.expect("post");

    let response = app.stream(events_request("?after=0", None)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    assert_eq!(response.headers()["cache-control"], "no-store");
    let mut body = response.into_body();
    // What the page missed since its revision comes first.
    let caught_up = events_until(&mut body, "item").await;
    assert_eq!(caught_up.last().map(|e| e.2["id"].clone()), Some(json!(before.id)));

    let posted = app.newsroom.post_feed_item(&editor, item("Bridge reopened")).await.expect("post");
    let events = events_until(&mut body, "item").await;
    let (id, _, data) = events.last().expect("an event");
    assert_eq!(data["id"], posted.id.as_str());
    assert_eq!(id, &posted.revision.to_string(), "the event id is the revision");
    assert!(data["html"].as_str().is_some_and(|h| h.contains("Bridge reopened") && h.contains("data-feed-item")));

    let posted_id = ObjectId::parse(&posted.id).expect("id");
    app.newsroom.edit_feed_item(&editor, &posted_id, item("Bridge reopened to cars")).await.expect("edit");
    let events = events_until(&mut body, "item").await;
    assert!(events.last().expect("edit").2["html"].as_str().is_some_and(|h| h.contains("Bridge reopened to cars")));
    app.newsroom.delete_feed_item(&editor, &posted_id).await.expect("delete");
    let events = events_until(&mut body, "delete").await;
    let (deleted_revision, _, data) = events.last().expect("delete").clone();
    assert_eq!(data["id"], posted.id.as_str());

    // A browser reconnecting with Last-Event-ID gets exactly what came after it.
    let later = app.newsroom.post_feed_item(&editor, item("Curfew lifted")).await.expect("post");
    let mut resumed = app.stream(events_request("?after=0", Some(&deleted_revision))).await.into_body();
    let events = events_until(&mut resumed, "item").await;
    let ids: Vec<String> = events.iter().map(|e| e.2["id"].as_str().unwrap_or_default().to_owned()).collect();
    assert_eq!(ids, std::slice::from_ref(&later.id), "only what came after the last event seen");

    assert_eq!(app.get("/news/events?after=soon").await.status, 400);
    assert!(app.get("/news/events?after=soon").await.text().contains("not a feed revision"));
});

dual_db_test!(async fn an_item_posted_through_one_instance_reaches_readers_of_another(db) {
    let app = TestApp::new(&db).await;
    let other = TestApp::another_instance(&db).await;
    if db.backend() == masthead_storage::Backend::Sqlite {
        // One process per SQLite file (`serve` refuses a second): there is no other instance.
        return;
    }
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let listener = tokio::spawn({
        let newsroom = other.newsroom.clone();
        async move { newsroom.run_change_listener(stopped).await }
    });
    let editor = editor(&app).await;
    // The other instance shows the feed on its front page, so it holds the block before the item.
    assert!(headlines(&other.get("/").await.text(), "[data-live-feed]").is_empty());
    let mut body = other.stream(events_request("", None)).await.into_body();
    // Give the listener its first moment to LISTEN before anything is committed.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let posted = app.newsroom.post_feed_item(&editor, item("Posted on the first instance")).await.expect("post");
    let events = events_until(&mut body, "item").await;
    assert_eq!(events.last().expect("event").2["id"], posted.id.as_str());
    // The other instance's cached pages show it too.
    assert_eq!(headlines(&other.get("/news/").await.text(), "[data-live-feed]"), ["Posted on the first instance"]);
    assert_eq!(headlines(&other.get("/").await.text(), "[data-live-feed]"), ["Posted on the first instance"]);
    let _ = stop.send(true);
    let _ = listener.await;
});

dual_db_test!(async fn readers_who_cannot_hold_a_stream_poll_in_ten_second_buckets(db) {
    let app = TestApp::new(&db).await;
    let editor = editor(&app).await;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let bucket = now - now.rem_euclid(10) - 10;
    let posted = app.newsroom.post_feed_item(&editor, item("Water supply restored")).await.expect("post");

    let answer = app.get(&format!("/news/updates.json?since={bucket}")).await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(answer.header("cache-control"), Some("public, max-age=10, s-maxage=10, stale-while-revalidate=10"));
    let body = json_of(&answer);
    assert_eq!(body["items"][0]["id"], posted.id.as_str());
    assert_eq!(body["items"][0]["kind"], "item");
    assert_eq!(body["revision"], posted.revision);
    let etag = answer.header("etag").expect("etag").to_owned();
    let unchanged = app.get_with(&format!("/news/updates.json?since={bucket}"), &[("if-none-match", &etag)]).await;
    assert_eq!(unchanged.status, 304, "no news is a tiny answer");

    let odd = app.get(&format!("/news/updates.json?since={}", bucket + 3)).await;
    assert_eq!(odd.status, 400);
    assert!(odd.text().contains(&format!("round it down to {bucket}")), "{}", odd.text());
    assert_eq!(app.get("/news/updates.json").await.status, 400);
    assert_eq!(app.get("/news/updates.json?since=0").await.status, 400, "older than a day: load the page");
});

dual_db_test!(async fn integrations_post_read_edit_and_delete_feed_items_through_the_apis(db) {
    let app = TestApp::new(&db).await;
    // Integrations act for the site's owner.
    app.newsroom.add_staff("Olga Owner", "olga@news.example.org", Role::Owner, Some("a long enough secret")).await.expect("owner");
    let keys = integration(&app).await;
    let admin_key = keys.admin_key.clone().expect("admin key");
    let content_key = keys.content_key.clone().expect("content key");

    let added = admin_call(&app, &admin_key, "POST", "feed_items/", Some(json!({"feed_items": [{
        "headline": "Wire: ceasefire talks resume", "markdown": "Delegations meet in *Istanbul*.", "key_event": true
    }]}))).await;
    assert_eq!(added.status, 201, "{}", added.text());
    let item = json_of(&added)["feed_items"][0].clone();
    assert_eq!(item["headline"], "Wire: ceasefire talks resume");
    assert_eq!(item["html"], "<p>Delegations meet in <em>Istanbul</em>.</p>\n");
    assert_eq!(item["key_event"], true);
    let id = item["id"].as_str().expect("id").to_owned();
    assert_eq!(item["url"], format!("https://news.example.org/news/{id}/"));

    let missing = admin_call(&app, &admin_key, "POST", "feed_items/", Some(json!({"feed_items": [{"markdown": "no headline"}]}))).await;
    assert_eq!(missing.status, 422);
    assert_eq!(json_of(&missing)["errors"][0]["property"], "headline");

    let edited = admin_call(&app, &admin_key, "PUT", &format!("feed_items/{id}/"), Some(json!({"feed_items": [{"headline": "Ceasefire talks resume"}]}))).await;
    assert_eq!(edited.status, 200, "{}", edited.text());
    let edited = json_of(&edited)["feed_items"][0].clone();
    assert_eq!(edited["headline"], "Ceasefire talks resume");
    assert_eq!(edited["markdown"], "Delegations meet in *Istanbul*.", "fields not sent are kept");
    assert!(edited["edited_at"].is_string());

    let browse = app.get(&format!("/ghost/api/content/feed_items/?key={content_key}")).await;
    assert_eq!(browse.status, 200);
    let body = json_of(&browse);
    assert_eq!(body["feed_items"][0]["id"], id.as_str());
    assert_eq!(body["meta"]["pagination"]["total"], 1);
    assert_eq!(app.get("/ghost/api/content/feed_items/").await.status, 403, "the Content API needs a key");
    let read = app.get(&format!("/ghost/api/content/feed_items/{id}/?key={content_key}")).await;
    assert_eq!(json_of(&read)["feed_items"][0]["headline"], "Ceasefire talks resume");

    assert_eq!(admin_call(&app, &admin_key, "DELETE", &format!("feed_items/{id}/"), None).await.status, 204);
    let gone = app.get(&format!("/ghost/api/content/feed_items/{id}/?key={content_key}")).await;
    assert_eq!(gone.status, 404);
    assert_eq!(json_of(&gone)["errors"][0]["type"], "NotFoundError");
    let openapi = json_of(&app.get("/ghost/api/openapi.json").await);
    assert!(openapi["paths"]["/ghost/api/admin/feed_items/"]["post"].is_object());
    assert!(openapi["paths"]["/ghost/api/content/feed_items/"]["get"].is_object());
});

dual_db_test!(async fn editors_picks_show_in_their_order_and_unpublished_picks_disappear(db) {
    let app = TestApp::new(&db).await;
    let fixture = newsroom(&app).await;
    let (_, editor) = staff(&app, "Olena Editor", Role::Editor).await;
    let (_, author) = staff(&app, "Anna Author", Role::Author).await;
    let a = PostBuilder::published("Inside the bunker school").authors(&[&fixture.anna]).create(&app.newsroom).await;
    let b = PostBuilder::published("The last train from Pokrovsk").authors(&[&fixture.anna]).create(&app.newsroom).await;
    let picks = |html: &str| -> Vec<String> {
        let html = Html::parse_document(html);
        select(&html, ".picks .card__title").iter().map(text_of).collect()
    };
    assert!(!app.get("/").await.text().contains("Editors' Picks"), "no section while there are none");
    assert_eq!(send(&app, "GET", "/admin/picks/", Some(&author), "").await.status, 403);
    for post in [&a, &b] {
        let added = send(&app, "POST", "/admin/picks/", Some(&editor), &format!("post_id={}", post.id)).await;
        assert_eq!(added.status, 303);
    }
    assert_eq!(picks(&app.get("/").await.text()), ["Inside the bunker school", "The last train from Pokrovsk"]);
    let moved = send(&app, "POST", &format!("/admin/picks/{}/", b.id), Some(&editor), "action=up").await;
    assert_eq!(moved.status, 303);
    assert_eq!(picks(&app.get("/").await.text()), ["The last train from Pokrovsk", "Inside the bunker school"]);
    let article = app.get(&format!("/{}/", a.slug)).await.text();
    assert_eq!(picks(&article), ["The last train from Pokrovsk", "Inside the bunker school"]);
    // The block is read once for all the pages showing it: a pick's new headline reaches a page
    // rendered for the first time after the change.
    let renamed = masthead_app::PostInput {
        title: "The last train from Pokrovsk has left".into(),
        ..masthead_app::PostInput::from_post(&b)
    };
    let b = app.newsroom.update_post(&b.id, renamed).await.expect("rename");
    let lead = app.get(&format!("/{}/", fixture.lead.slug)).await.text();
    assert_eq!(picks(&lead), ["The last train from Pokrovsk has left", "Inside the bunker school"]);

    // An unpublished pick is hidden, not broken.
    let unpublished = masthead_app::PostInput { status: masthead_core::PostStatus::Draft, ..masthead_app::PostInput::from_post(&b) };
    app.newsroom.update_post(&b.id, unpublished).await.expect("unpublish");
    assert_eq!(picks(&app.get("/").await.text()), ["Inside the bunker school"]);
    let admin = send(&app, "GET", "/admin/picks/", Some(&editor), "").await.text();
    assert!(admin.contains("not published: hidden"), "{admin}");
    let duplicate = send(&app, "POST", "/admin/picks/", Some(&editor), &format!("post_id={}", a.id)).await;
    assert_eq!(duplicate.status, 422);
    assert!(duplicate.text().contains("already a pick"));
});
