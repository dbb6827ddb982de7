//! Search: the reader's page, the newsroom's story list, the Content API's endpoint, and the
//! index following the database through its change log.

use masthead_app::PostInput;
use masthead_core::{PostStatus, Role, Visibility};
use masthead_test_utils::{PostBuilder, TestApp, TestResponse, dual_db_test};
use scraper::Html;
use time::Duration;

use crate::api::{integration, json_of};
use crate::{newsroom, select, text_of};

/// Brings the app's index up to date with the database, as the server's indexer does.
async fn indexed(app: &TestApp) {
    app.newsroom.sync_search().await.expect("the index follows the change log");
}

fn titles(response: &TestResponse) -> Vec<String> {
    let html = Html::parse_document(&response.text());
    select(&html, ".search-result__title").iter().map(text_of).collect()
}

async fn search(app: &TestApp, query: &str) -> Vec<String> {
    let response = app.get(&format!("/search/?{query}")).await;
    assert_eq!(response.status, 200, "{}", response.text());
    titles(&response)
}

dual_db_test!(async fn readers_find_stories_by_their_words_best_match_first(db) {
    let app = TestApp::new(&db).await;
    let f = newsroom(&app).await;
    PostBuilder::published("Ferries resume")
        .authors(&[&f.boris])
        .tags(&["Transport"])
        .markdown("Ferries crossed again after the floods receded from the harbour.")
        .published_at(masthead_core::now() - Duration::days(40))
        .create(&app.newsroom)
        .await;
    indexed(&app).await;

    // Every word must match; the title match ranks first.
    assert_eq!(
        search(&app, "q=harbour").await,
        ["Floods reach the harbour district", "Ferries resume"]
    );
    assert_eq!(search(&app, "q=harbour+ferries").await, ["Ferries resume"]);
    // Stemming: "flood" finds "floods".
    assert_eq!(search(&app, "q=flood").await.len(), 2);
    // A phrase must stand together.
    assert_eq!(search(&app, "q=%22harbour+district%22").await, ["Floods reach the harbour district"]);
    // Filters: section, author, dates.
    assert_eq!(search(&app, "q=harbour&tag=transport").await, ["Ferries resume"]);
    assert_eq!(search(&app, "q=harbour&author=anna-field").await, ["Floods reach the harbour district"]);
    let month_ago = (masthead_core::now() - Duration::days(30)).date();
    assert_eq!(search(&app, &format!("q=harbour&from={month_ago}")).await, ["Floods reach the harbour district"]);
    assert_eq!(search(&app, &format!("q=harbour&to={month_ago}")).await, ["Ferries resume"]);
    // Newest first, on request.
    assert_eq!(
        search(&app, "q=harbour&sort=newest").await,
        ["Floods reach the harbour district", "Ferries resume"]
    );

    // The matched words are marked in the title and the passage, escaped.
    let page = app.get("/search/?q=sandbags").await;
    let html = Html::parse_document(&page.text());
    let marked: Vec<String> = select(&html, ".search-result__title mark").iter().map(text_of).collect();
    assert_eq!(marked, ["sandbags"]);
    assert!(page.text().contains("1 result"), "{}", page.text());
    assert_eq!(page.header("cache-control"), Some("no-store"));
    let passage = app.get("/search/?q=officials").await;
    let html = Html::parse_document(&passage.text());
    let passages: Vec<String> = select(&html, ".search-result__passage mark").iter().map(text_of).collect();
    assert_eq!(passages, ["officials"]);
});

dual_db_test!(async fn misspelt_names_are_corrected_and_other_scripts_are_searchable(db) {
    let app = TestApp::new(&db).await;
    let f = newsroom(&app).await;
    PostBuilder::published("Zaporizhzhia inspectors return")
        .authors(&[&f.anna])
        .markdown("The inspectors reached the plant on Tuesday.")
        .create(&app.newsroom)
        .await;
    PostBuilder::published("Київ готується до зими")
        .authors(&[&f.anna])
        .markdown("Енергетики ремонтують мережі в Києві.")
        .create(&app.newsroom)
        .await;
    indexed(&app).await;

    let corrected = app.get("/search/?q=Zaporizhia").await;
    assert_eq!(titles(&corrected), ["Zaporizhzhia inspectors return"]);
    let html = Html::parse_document(&corrected.text());
    assert_eq!(text_of(&select(&html, ".search-results__corrected strong")[0]), "zaporizhzhia");
    let instead = select(&html, ".search-results__corrected a")[0].value().attr("href").expect("a link").to_owned();
    assert_eq!(instead, "/search/?q=Zaporizhia&exact=1");
    let as_written = app.get(&instead).await;
    assert_eq!(titles(&as_written), Vec::<String>::new());
    assert!(as_written.text().contains("Nothing found for"));
    assert_eq!(search(&app, "q=%D0%9A%D0%98%D0%87%D0%92").await, ["Київ готується до зими"], "КИЇВ, upper case");
    assert_eq!(search(&app, "q=%D0%BC%D0%B5%D1%80%D0%B5%D0%B6%D1%96").await, ["Київ готується до зими"], "мережі");
});

dual_db_test!(async fn only_live_stories_are_found_and_gated_text_never_shows(db) {
    let app = TestApp::new(&db).await;
    let f = newsroom(&app).await;
    PostBuilder::draft("Draft on the reservoir").authors(&[&f.anna]).markdown("Unpublished reservoir notes.")
        .create(&app.newsroom).await;
    PostBuilder::published("Briefing for members")
        .authors(&[&f.anna])
        .visibility(Visibility::Members)
        .markdown("An opening anyone may read about the dam.\n\n<!--members-only-->\n\nThe engineers' private estimate for the reservoir.")
        .create(&app.newsroom)
        .await;
    indexed(&app).await;

    // Words only in the gated part or in a draft find nothing for readers.
    assert_eq!(search(&app, "q=reservoir").await, Vec::<String>::new());
    assert_eq!(search(&app, "q=estimate").await, Vec::<String>::new());
    // The public opening is searchable; the passage shown comes from it alone.
    let found = app.get("/search/?q=briefing").await;
    assert_eq!(titles(&found), ["Briefing for members"]);
    assert!(!found.text().contains("private estimate"), "{}", found.text());
    assert!(found.text().contains("Members only"));
    assert_eq!(search(&app, "q=dam").await, ["Briefing for members"]);

    // Staff find drafts and gated text in the newsroom's story list.
    let editor = app.newsroom.add_staff("Eda Editor", "eda@news.example.org", Role::Editor, Some("a long enough secret"))
        .await.expect("editor");
    let token = app.newsroom.open_session(&editor, None, None).await.expect("session");
    let cookie = app.session_cookie(&token);
    let list = app.get_with("/admin/posts/?q=reservoir", &[("cookie", &cookie)]).await;
    assert_eq!(list.status, 200);
    let html = Html::parse_document(&list.text());
    let mut found: Vec<String> = select(&html, ".posts-table tbody td:first-child a").iter().map(text_of).collect();
    found.sort();
    assert_eq!(found, ["Briefing for members", "Draft on the reservoir"]);
    let drafts = app.get_with("/admin/posts/?q=reservoir&status=draft", &[("cookie", &cookie)]).await;
    let html = Html::parse_document(&drafts.text());
    let found: Vec<String> = select(&html, ".posts-table tbody td:first-child a").iter().map(text_of).collect();
    assert_eq!(found, ["Draft on the reservoir"]);
    // By author name, which no title holds.
    let by_name = app.get_with("/admin/posts/?q=boris", &[("cookie", &cookie)]).await;
    let html = Html::parse_document(&by_name.text());
    let found: Vec<String> = select(&html, ".posts-table tbody td:first-child a").iter().map(text_of).collect();
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!(app.get("/admin/posts/?q=reservoir").await.status.as_u16() / 100, 3, "readers are sent to sign in");
});

dual_db_test!(async fn the_index_follows_edits_unpublishing_deletions_and_renamed_tags(db) {
    let app = TestApp::new(&db).await;
    let f = newsroom(&app).await;
    indexed(&app).await;
    assert_eq!(search(&app, "q=theatre").await, ["Theatre season opens"]);

    let mut input = PostInput::from_post(&f.unrelated);
    input.title = "Opera season opens".into();
    input.body = masthead_app::PostBody::Markdown("The first night is an opera.".into());
    app.newsroom.update_post(&f.unrelated.id, input).await.expect("edit");
    let unpublish = PostInput { status: PostStatus::Draft, ..PostInput::from_post(&f.neighbour) };
    app.newsroom.update_post(&f.neighbour.id, unpublish).await.expect("unpublish");
    indexed(&app).await;
    assert_eq!(search(&app, "q=theatre").await, Vec::<String>::new());
    assert_eq!(search(&app, "q=opera").await, ["Opera season opens"]);
    assert_eq!(search(&app, "q=sandbags").await, Vec::<String>::new());

    let culture = app.db.tag_by_slug("culture").await.expect("read").expect("the Culture tag");
    let owner = masthead_core::Actor { user_id: f.anna.id.clone(), role: Role::Owner };
    app.newsroom.edit_tag(&owner, &culture.id, "Arts and letters", "").await.expect("rename");
    indexed(&app).await;
    assert_eq!(search(&app, "q=letters").await, ["Opera season opens"]);

    app.newsroom.delete_post(&f.unrelated.id).await.expect("delete");
    indexed(&app).await;
    assert_eq!(search(&app, "q=opera").await, Vec::<String>::new());
});

dual_db_test!(async fn a_change_made_by_another_instance_reaches_this_ones_index(db) {
    let app = TestApp::new(&db).await;
    let other = TestApp::another_instance(&db).await;
    let f = newsroom(&app).await;
    indexed(&app).await;
    indexed(&other).await;
    PostBuilder::published("Night trains to the west").authors(&[&f.anna]).create(&other.newsroom).await;
    indexed(&app).await;
    assert_eq!(search(&app, "q=trains").await, ["Night trains to the west"]);
});

dual_db_test!(async fn a_change_that_commits_after_a_later_one_is_still_indexed(db) {
    // On PostgreSQL, log positions are taken in order but may commit in any order: a position
    // can be empty when the indexer reads past it and filled a moment later.
    let app = TestApp::new(&db).await;
    let f = newsroom(&app).await;
    indexed(&app).await;
    let (_, head) = app.db.search_change_bounds().await.expect("read the log").expect("changes were logged");
    let hole = head + 1;
    let postgres = db.backend() == masthead_storage::Backend::Postgres;
    // The position is taken by a transaction still running...
    if postgres {
        db.execute_raw("SELECT nextval(pg_get_serial_sequence('search_changes', 'seq'))").await;
    } else {
        db.execute_raw("UPDATE sqlite_sequence SET seq = seq + 1 WHERE name = 'search_changes'").await;
    }
    // ... while a later change commits and is indexed.
    PostBuilder::published("Border crossing reopens").authors(&[&f.anna]).create(&app.newsroom).await;
    indexed(&app).await;
    assert_eq!(search(&app, "q=border").await, ["Border crossing reopens"]);
    assert_eq!(app.newsroom.search_index().cursor(), Some(hole - 1), "the index records a position below the hole");

    // The first transaction commits: its story changed, logged at the earlier position.
    let overriding = if postgres { "OVERRIDING SYSTEM VALUE" } else { "" };
    let id = f.unrelated.id.as_str();
    db.execute_raw(&format!(
        "UPDATE posts SET title = 'Late arrival at the ferry' WHERE id = '{id}'; \
         DELETE FROM search_changes WHERE seq = (SELECT MAX(seq) FROM search_changes); \
         INSERT INTO search_changes (seq, post_id) {overriding} VALUES ({hole}, '{id}')"
    ))
    .await;
    indexed(&app).await;
    assert_eq!(search(&app, "q=ferry").await, ["Late arrival at the ferry"]);
    let (_, last) = app.db.search_change_bounds().await.expect("read the log").expect("changes were logged");
    assert_eq!(app.newsroom.search_index().cursor(), Some(last), "past the filled hole");
});

dual_db_test!(async fn bad_searches_get_a_clear_page_and_a_missing_index_says_it_is_rebuilt(db) {
    let app = TestApp::new(&db).await;
    newsroom(&app).await;
    // Not built yet (a server builds it at start): search says so, with a retry time.
    let waiting = app.get("/search/?q=harbour").await;
    assert_eq!(waiting.status, 503);
    assert!(waiting.text().contains("Search is being rebuilt"), "{}", waiting.text());
    assert_eq!(waiting.header("retry-after"), Some("30"));
    indexed(&app).await;

    let form = app.get("/search/").await;
    assert_eq!(form.status, 200);
    assert!(form.text().contains("name=\"q\""));
    let empty = app.get("/search/?q=%20%3F%21").await;
    assert_eq!(empty.status, 400);
    assert!(empty.text().contains("Type a word or two to search for."));
    let long = app.get(&format!("/search/?q={}", "word+".repeat(60))).await;
    assert_eq!(long.status, 400);
    assert!(long.text().contains("at most 200 characters"));
    let bad_date = app.get("/search/?q=harbour&from=yesterday").await;
    assert_eq!(bad_date.status, 400);
    assert!(bad_date.text().contains("write it as YYYY-MM-DD"));
    let nothing = app.get("/search/?q=xylophone").await;
    assert_eq!(nothing.status, 200);
    assert!(nothing.text().contains("Nothing found for"));
    let deep = app.get("/search/?q=harbour&page=9999").await;
    assert_eq!(deep.status, 200, "a page past the end is an empty page");
});

dual_db_test!(async fn a_deleted_index_is_rebuilt_from_the_database(db) {
    let home = tempfile::tempdir().expect("temporary directory");
    let index = masthead_app::SearchIndex::open(home.path()).expect("open the index");
    let app = TestApp::new(&db).await.with_search(index);
    newsroom(&app).await;
    indexed(&app).await;
    assert!(home.path().join("index").join("meta.json").is_file());
    assert_eq!(search(&app, "q=theatre").await, ["Theatre season opens"]);

    std::fs::remove_dir_all(home.path().join("index")).expect("delete the index");
    assert!(app.newsroom.search_index().needs_rebuild());
    indexed(&app).await;
    assert!(home.path().join("index").join("meta.json").is_file(), "rebuilt in place");
    assert_eq!(search(&app, "q=theatre").await, ["Theatre season opens"]);
});

dual_db_test!(async fn the_content_api_searches_with_its_keys_and_envelope(db) {
    let app = TestApp::new(&db).await;
    newsroom(&app).await;
    indexed(&app).await;
    let key = integration(&app).await.content_key.expect("key");

    assert_eq!(app.get("/ghost/api/content/search/?q=harbour").await.status, 403);
    assert_eq!(app.get("/ghost/api/content/search/?q=harbour&key=0123456789abcdef01234567ab").await.status, 401);
    let found = app.get(&format!("/ghost/api/content/search/?q=harbour&include=tags,authors&key={key}")).await;
    assert_eq!(found.status, 200, "{}", found.text());
    let body = json_of(&found);
    assert_eq!(body["posts"][0]["title"], "Floods reach the harbour district");
    assert_eq!(body["posts"][0]["authors"][0]["name"], "Anna Field");
    assert_eq!(body["posts"][0]["search"]["title"], "Floods reach the <mark>harbour</mark> district");
    assert_eq!(body["meta"]["pagination"]["total"], 1);
    assert_eq!(body["meta"]["search"]["q"], "harbour");

    let empty = app.get(&format!("/ghost/api/content/search/?q=&key={key}")).await;
    assert_eq!(empty.status, 422);
    assert_eq!(json_of(&empty)["errors"][0]["type"], "ValidationError");
    let filtered = app.get(&format!("/ghost/api/content/search/?q=harbour&filter=tag:x&key={key}")).await;
    assert_eq!(filtered.status, 400);
    let bad_date = app.get(&format!("/ghost/api/content/search/?q=harbour&to=soon&key={key}")).await;
    assert_eq!(bad_date.status, 422);
    assert_eq!(json_of(&bad_date)["errors"][0]["property"], "to");
});

dual_db_test!(async fn every_page_offers_the_site_search_to_browsers_and_search_engines(db) {
    let app = TestApp::new(&db).await;
    newsroom(&app).await;
    let home = app.get("/").await;
    let html = Html::parse_document(&home.text());
    let link = select(&html, "link[rel=search]");
    assert_eq!(link[0].value().attr("href"), Some("/opensearch.xml"));
    assert_eq!(select(&html, "form.site-search")[0].value().attr("action"), Some("/search/"));
    assert!(home.text().contains("\"urlTemplate\":\"https://news.example.org/search/?q={search_term_string}\""));

    let description = app.get("/opensearch.xml").await;
    assert_eq!(description.status, 200);
    assert_eq!(description.header("content-type"), Some("application/opensearchdescription+xml; charset=utf-8"));
    let xml = description.text();
    let document = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let url = document.descendants().find(|n| n.has_tag_name("Url")).expect("a Url");
    assert_eq!(url.attribute("template"), Some("https://news.example.org/search/?q={searchTerms}"));
    assert!(xml.contains("<ShortName>The Harbour Post</ShortName>"));
});
