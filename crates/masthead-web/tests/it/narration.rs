//! Narrated stories for readers: the player and its label on the article, the audio file with
//! byte ranges, the podcast feed, the Content API's `narration` field, structured data, and
//! gated stories' audio kept from readers who may not read them.

use std::sync::Arc;

use masthead_app::narration::Narrator;
use masthead_core::{Actor, NarrationSettings, Post, Role, StaffUser, Visibility};
use masthead_test_utils::{PostBuilder, StaffBuilder, TestApp, dual_db_test};
use scraper::Html;
use serde_json::Value;

use crate::select;

fn espeak() -> Narrator {
    let engine = masthead_narration::EspeakEngine::detect().expect("espeak-ng is installed (test.sh installs it)");
    Narrator::new(Arc::new(engine))
}

async fn narrate_all(app: &TestApp) {
    while app.newsroom.run_next_narration("test").await.expect("narration job") {}
}

struct Narrated {
    app: TestApp,
    anna: StaffUser,
    post: Post,
    audio_url: String,
    bytes: i64,
}

async fn narrated(db: &masthead_test_utils::TestDb, visibility: Visibility) -> Narrated {
    let app = TestApp::mailing(db).await.with_narrator(espeak());
    let anna = StaffBuilder::new("Anna Field").create(&app.db).await;
    let post = PostBuilder::published("Harbour bridge to be rebuilt")
        .authors(&[&anna])
        .visibility(visibility)
        .markdown("The council voted to rebuild the bridge.\n\n<!--members-only-->\n\nWork starts in March.")
        .create(&app.newsroom)
        .await;
    narrate_all(&app).await;
    let record = app.newsroom.db().narration(&post.id).await.expect("read").expect("narrated");
    let (key, _, bytes) = record.audio().expect("audio");
    let audio_url = format!("/content/{key}");
    app.state.cache.clear();
    Narrated { app, anna, post, audio_url, bytes }
}

dual_db_test!(async fn the_article_shows_the_player_with_its_label_and_an_opted_out_one_neither(db) {
    let n = narrated(&db, Visibility::Public).await;
    let page = n.app.get(&format!("/{}/", n.post.slug)).await;
    assert_eq!(page.status, 200);
    let html = Html::parse_document(&page.text());
    let audio = select(&html, "section.narration audio[controls][preload=\"metadata\"]");
    assert_eq!(audio.len(), 1, "one player");
    assert_eq!(audio[0].value().attr("src"), Some(n.audio_url.as_str()));
    let label: String = select(&html, ".narration__label").first().expect("label").text().collect();
    assert_eq!(label, NarrationSettings::DEFAULT_LABEL);
    assert!(!select(&html, "[data-narration-duration]").is_empty(), "the length is shown before loading");
    assert!(page.text().contains("js/narration."), "the speed control's script");

    // Staff change the label's wording, then hide it.
    let admin = Actor { user_id: n.anna.id.clone(), role: Role::Administrator };
    let custom = NarrationSettings { disclosure_label: "Read by a synthetic voice".into(), ..NarrationSettings::default() };
    n.app.newsroom.save_narration_settings(&admin, &custom).await.expect("settings");
    assert!(n.app.get(&format!("/{}/", n.post.slug)).await.text().contains("Read by a synthetic voice"));
    let hidden = NarrationSettings { show_label: false, ..custom };
    n.app.newsroom.save_narration_settings(&admin, &hidden).await.expect("settings");
    let page = Html::parse_document(&n.app.get(&format!("/{}/", n.post.slug)).await.text());
    assert!(select(&page, ".narration__label").is_empty());
    assert_eq!(select(&page, "section.narration audio").len(), 1);

    n.app.newsroom.set_narration_opt_out(&admin, &n.post.id, true).await.expect("opt out");
    let page = n.app.get(&format!("/{}/", n.post.slug)).await.text();
    assert!(!page.contains("class=\"narration\"") && !page.contains("Read by a synthetic voice"), "no player, no label");
    assert_eq!(n.app.get(&n.audio_url).await.status, 404, "the file is gone");
});

dual_db_test!(async fn the_audio_is_served_with_byte_ranges(db) {
    let n = narrated(&db, Visibility::Public).await;
    let whole = n.app.get(&n.audio_url).await;
    assert_eq!(whole.status, 200);
    assert_eq!(whole.header("content-type"), Some("audio/mpeg"));
    assert_eq!(whole.header("accept-ranges"), Some("bytes"));
    assert_eq!(whole.body.len() as i64, n.bytes);

    let part = n.app.get_with(&n.audio_url, &[("range", "bytes=100-199")]).await;
    assert_eq!(part.status, 206);
    assert_eq!(part.header("content-range"), Some(format!("bytes 100-199/{}", n.bytes).as_str()));
    assert_eq!(&part.body[..], &whole.body[100..200]);

    let tail = n.app.get_with(&n.audio_url, &[("range", "bytes=-10")]).await;
    assert_eq!(tail.status, 206);
    assert_eq!(&tail.body[..], &whole.body[whole.body.len() - 10..]);

    let beyond = n.app.get_with(&n.audio_url, &[("range", &format!("bytes={}-", n.bytes))]).await;
    assert_eq!(beyond.status, 416);
    assert_eq!(beyond.header("content-range"), Some(format!("bytes */{}", n.bytes).as_str()));

    let stale = format!("/content/narrations/{}/0000.mp3", n.post.id);
    assert_eq!(n.app.get(&stale).await.status, 404, "only the current file is served");
    assert_eq!(n.app.get("/content/narrations/nope/x.mp3").await.status, 404);
});

dual_db_test!(async fn the_podcast_feed_lists_narrated_stories_with_their_enclosures(db) {
    let n = narrated(&db, Visibility::Public).await;
    let gated = PostBuilder::published("Members only").authors(&[&n.anna]).visibility(Visibility::Members).markdown("Secret.")
        .create(&n.app.newsroom)
        .await;
    narrate_all(&n.app).await;
    n.app.state.cache.clear();
    let feed = n.app.get("/podcast/rss/").await;
    assert_eq!(feed.status, 200);
    assert!(feed.header("content-type").is_some_and(|t| t.starts_with("application/rss+xml")));
    let xml = feed.text();
    let doc = roxmltree::Document::parse(&xml).expect("the feed parses");
    let items: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("item")).collect();
    assert_eq!(items.len(), 1, "only stories anyone may read: {xml}");
    let title = items[0].children().find(|c| c.has_tag_name("title")).and_then(|t| t.text());
    assert_eq!(title, Some(n.post.title.as_str()));
    assert!(!xml.contains(&gated.title));
    let enclosure = items[0].children().find(|c| c.has_tag_name("enclosure")).expect("enclosure");
    assert_eq!(enclosure.attribute("type"), Some("audio/mpeg"));
    assert_eq!(enclosure.attribute("length"), Some(n.bytes.to_string().as_str()));
    let url = enclosure.attribute("url").expect("url");
    assert!(url.ends_with(&n.audio_url) && url.starts_with("https://"));
    let itunes = "http://www.itunes.com/dtds/podcast-1.0.dtd";
    let duration = items[0].children().find(|c| c.tag_name().name() == "duration" && c.tag_name().namespace() == Some(itunes));
    assert!(duration.and_then(|d| d.text()).is_some_and(|d| d.contains(':')), "itunes:duration");
    assert!(n.app.get("/").await.text().contains("href=\"/podcast/rss/\""), "linked from the site's head");
});

dual_db_test!(async fn the_content_api_and_structured_data_name_the_audio(db) {
    let n = narrated(&db, Visibility::Public).await;
    let integration = crate::api::integration(&n.app).await;
    let key = integration.content_key.clone().expect("content key");
    let body = crate::api::json_of(&n.app.get(&format!("/ghost/api/content/posts/{}/?key={key}", n.post.id)).await);
    let narration = &body["posts"][0]["narration"];
    assert_eq!(narration["url"], Value::String(format!("https://news.example.org{}", n.audio_url)));
    assert_eq!(narration["content_type"], "audio/mpeg");
    assert_eq!(narration["size"], n.bytes);
    assert!(narration["duration"].as_f64().is_some_and(|d| d > 1.0));
    let listed = crate::api::json_of(&n.app.get(&format!("/ghost/api/content/posts/?key={key}")).await);
    assert_eq!(listed["posts"][0]["narration"], *narration);

    // A list's stories are read together: each gets its own audio, a page (never narrated) none.
    let second = PostBuilder::published("Ferry timetable changes")
        .authors(&[&n.anna])
        .markdown("The winter timetable starts on Monday.")
        .create(&n.app.newsroom)
        .await;
    PostBuilder::page("About the newsroom").authors(&[&n.anna]).create(&n.app.newsroom).await;
    narrate_all(&n.app).await;
    let record = n.app.newsroom.db().narration(&second.id).await.expect("read").expect("narrated");
    let second_url = format!("https://news.example.org/content/{}", record.audio().expect("audio").0);
    n.app.state.cache.clear();
    let listed = crate::api::json_of(&n.app.get(&format!("/ghost/api/content/posts/?key={key}")).await);
    let by_title = |title: &str| {
        listed["posts"].as_array().expect("posts").iter().find(|p| p["title"] == title).expect("listed")["narration"]
            .clone()
    };
    assert_eq!(by_title(&n.post.title), *narration);
    assert_eq!(by_title(&second.title)["url"], Value::String(second_url));
    let pages = crate::api::json_of(&n.app.get(&format!("/ghost/api/content/pages/?key={key}")).await);
    assert!(pages["pages"][0].get("narration").is_none(), "pages have no narration field: {pages}");

    let page = Html::parse_document(&n.app.get(&format!("/{}/", n.post.slug)).await.text());
    let script = select(&page, "script[type=\"application/ld+json\"]");
    let ld: Value = serde_json::from_str(&script.first().expect("JSON-LD").text().collect::<String>()).expect("JSON");
    assert_eq!(ld["audio"]["@type"], "AudioObject");
    assert_eq!(ld["audio"]["encodingFormat"], "audio/mpeg");
    assert_eq!(ld["audio"]["contentUrl"], narration["url"]);
    assert!(ld["audio"]["duration"].as_str().is_some_and(|d| d.starts_with("PT")));

    let admin = Actor { user_id: n.anna.id.clone(), role: Role::Administrator };
    n.app.newsroom.set_narration_opt_out(&admin, &n.post.id, true).await.expect("opt out");
    let body = crate::api::json_of(&n.app.get(&format!("/ghost/api/content/posts/{}/?key={key}", n.post.id)).await);
    assert_eq!(body["posts"][0]["narration"], Value::Null);
    let listed = crate::api::json_of(&n.app.get(&format!("/ghost/api/content/posts/?key={key}")).await);
    let narrations: Vec<(&Value, &Value)> =
        listed["posts"].as_array().expect("posts").iter().map(|p| (&p["title"], &p["narration"]["url"])).collect();
    assert_eq!(narrations.len(), 2);
    assert!(narrations.iter().any(|(title, url)| *title == &n.post.title && url.is_null()), "opted out: {narrations:?}");
    assert!(narrations.iter().any(|(title, url)| *title == &second.title && url.is_string()), "{narrations:?}");
});

dual_db_test!(async fn a_gated_storys_audio_is_only_for_readers_who_may_read_it(db) {
    let n = narrated(&db, Visibility::Paid).await;
    let page = n.app.get(&format!("/{}/", n.post.slug)).await.text();
    assert!(!page.contains(&n.audio_url) && !page.contains("class=\"narration\""), "no player for anonymous readers");
    assert_eq!(n.app.get(&n.audio_url).await.status, 404, "nor the file");
    let free = crate::gating::member_cookie(&n.app, "free@example.org", masthead_core::MemberStatus::Free).await;
    assert_eq!(n.app.get_with(&n.audio_url, &[("cookie", &free)]).await.status, 404);
    let paid = crate::gating::member_cookie(&n.app, "paid@example.org", masthead_core::MemberStatus::Paid).await;
    let page = n.app.get_with(&format!("/{}/", n.post.slug), &[("cookie", &paid)]).await.text();
    assert!(page.contains(&n.audio_url), "paying members get the player");
    let file = n.app.get_with(&n.audio_url, &[("cookie", &paid)]).await;
    assert_eq!(file.status, 200);
    assert!(file.header("cache-control").is_some_and(|c| c.starts_with("private")));
    let ld = Html::parse_document(&page);
    let script: String = select(&ld, "script[type=\"application/ld+json\"]").first().expect("ld").text().collect();
    assert!(!script.contains("AudioObject"), "structured data shows what anyone may read");
});

/// The text of the one element `selector` finds on the page.
fn one_text(page: &str, selector: &str) -> String {
    let html = Html::parse_document(page);
    let found = select(&html, selector);
    assert_eq!(found.len(), 1, "one {selector} on the page: {page}");
    crate::text_of(&found[0])
}

dual_db_test!(async fn staff_follow_the_voice_being_installed_and_then_hear_it(db) {
    let app = TestApp::new(&db).await.with_narrator(Narrator::installing("downloading hibari-tts 0.2.1 with pip"));
    let admin = app
        .newsroom
        .add_staff("Anna Field", "anna@news.example.org", Role::Administrator, Some("a long enough secret"))
        .await
        .expect("staff");
    let cookie = app.session_cookie(&app.newsroom.open_session(&admin, None, None).await.expect("session"));
    let post = PostBuilder::published("Harbour bridge to be rebuilt")
        .authors(&[&admin])
        .markdown("The council voted to rebuild the bridge.")
        .create(&app.newsroom)
        .await;
    let signed_in = [("cookie", cookie.as_str())];
    let settings = || app.get_with("/admin/narration/", &signed_in);
    let editor_path = format!("/admin/posts/{}/", post.id);
    let editor = || app.get_with(&editor_path, &signed_in);

    let installing = one_text(&settings().await.text(), "[data-voice=installing]");
    assert!(installing.starts_with("Installing the hibari voice: downloading hibari-tts 0.2.1 with pip."), "{installing}");
    let status = one_text(&editor().await.text(), "[data-narration-status=queued]");
    assert!(status.contains("Waiting for the voice to be installed: downloading hibari-tts 0.2.1 with pip"), "{status}");
    app.newsroom.narrator().installing_step("unpacking the ONNX Runtime library");
    let installing = one_text(&settings().await.text(), "[data-voice=installing]");
    assert!(installing.contains("unpacking the ONNX Runtime library"), "{installing}");

    let engine = masthead_narration::EspeakEngine::detect().expect("espeak-ng is installed (test.sh installs it)");
    app.newsroom.voice_installed(Arc::new(engine)).await.expect("voice ready");
    narrate_all(&app).await;
    let ready = one_text(&settings().await.text(), "[data-voice=ready]");
    assert!(ready.starts_with("Voice engine: espeak") && ready.contains("masthead voices install"), "{ready}");
    let page = editor().await.text();
    assert_eq!(one_text(&page, "[data-narration-status=ready]"), "Ready (espeak).");

    // An install that failed says why on the same page.
    let why = "The hibari voice could not be installed: could not download hibari_tts-0.2.1-py3-none-any.whl";
    let offline = TestApp::another_instance(&db).await.with_narrator(Narrator::installing("starting"));
    offline.newsroom.voice_not_installed(None, why);
    let page = offline.get_with("/admin/narration/", &signed_in).await.text();
    assert_eq!(one_text(&page, "[data-voice=unavailable]"), format!("Narration is unavailable: {why}"));
});
