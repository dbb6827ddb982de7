use masthead_test_utils::{PostBuilder, TestApp, dual_db_test};
use scraper::Html;
use time::Duration;

use crate::{newsroom, select, text_of};

dual_db_test!(async fn the_home_page_leads_with_the_featured_story_and_paginates(db) {
    let app = TestApp::new(&db).await;
    let f = newsroom(&app).await;
    let now = masthead_core::now();
    PostBuilder::published("Featured analysis").authors(&[&f.anna]).tags(&["Opinion"]).featured()
        .published_at(now - Duration::hours(8)).create(&app.newsroom).await;
    for i in 0..15 {
        PostBuilder::published(&format!("Brief {i}")).authors(&[&f.boris]).tags(&["News"])
            .published_at(now - Duration::days(4) - Duration::hours(i)).create(&app.newsroom).await;
    }
    let home = app.get("/").await;
    assert_eq!(home.status, 200);
    let html = Html::parse_document(&home.text());
    let lead = select(&html, ".front__lead .card__title");
    assert!(!lead.is_empty(), "{}", home.text());
    assert_eq!(text_of(&lead[0]), "Featured analysis");
    let top: Vec<String> = select(&html, ".front__secondary .card__title").iter().map(text_of).collect();
    assert_eq!(top[0], f.lead.title, "newest stories follow the lead");
    assert!(!select(&html, ".sections .section-block").is_empty(), "sections are shown");
    assert_eq!(select(&html, "a[rel=next]")[0].value().attr("href"), Some("/page/2/"));
    assert_eq!(select(&html, "link[rel=next]")[0].value().attr("href"), Some("https://news.example.org/page/2/"));

    let second = app.get("/page/2/").await;
    assert_eq!(second.status, 200);
    let html = Html::parse_document(&second.text());
    assert_eq!(select(&html, ".latest .card").len(), 4, "19 stories, 15 per page");
    assert_eq!(select(&html, "a[rel=prev]")[0].value().attr("href"), Some("/"));
    assert_eq!(app.get("/page/3/").await.status, 404);
    assert_eq!(app.get("/page/1/").await.status, 404);
    assert_eq!(app.get("/page/two/").await.status, 404);

    // The archive's count and marks are kept between pages, and read again once stories are
    // published: sixteen more make a third page of five.
    for i in 0..16 {
        PostBuilder::published(&format!("Later brief {i}")).authors(&[&f.boris]).tags(&["News"])
            .published_at(now - Duration::days(5) - Duration::hours(i)).create(&app.newsroom).await;
    }
    let third = app.get("/page/3/").await;
    assert_eq!(third.status, 200);
    let titles: Vec<String> = select(&Html::parse_document(&third.text()), ".latest .card__title").iter().map(text_of).collect();
    assert_eq!(titles, (11..16).map(|i| format!("Later brief {i}")).collect::<Vec<_>>(), "35 stories, the oldest last");
});

dual_db_test!(async fn tag_and_author_pages_list_their_stories(db) {
    let app = TestApp::new(&db).await;
    let f = newsroom(&app).await;
    let tag = app.get("/tag/society/").await;
    assert_eq!(tag.status, 200);
    let html = Html::parse_document(&tag.text());
    assert_eq!(text_of(&select(&html, "h1")[0]), "Society");
    let titles: Vec<String> = select(&html, ".archive-list .card__title").iter().map(text_of).collect();
    assert_eq!(titles, [f.lead.title.clone(), f.neighbour.title.clone()]);
    assert_eq!(select(&html, "link[rel=alternate]")[0].value().attr("href"), Some("https://news.example.org/tag/society/rss/"));

    let author = app.get("/author/anna-field/").await;
    assert_eq!(author.status, 200);
    let html = Html::parse_document(&author.text());
    assert_eq!(text_of(&select(&html, "h1")[0]), "Anna Field");
    assert!(author.text().contains("Covers the front line."));
    let titles: Vec<String> = select(&html, ".archive-list .card__title").iter().map(text_of).collect();
    assert_eq!(titles, [f.lead.title.clone(), f.unrelated.title.clone()]);

    assert_eq!(app.get("/tag/no-such-tag/").await.status, 404);
    assert_eq!(app.get("/author/nobody/").await.status, 404);
    assert_eq!(app.get("/tag/society/page/2/").await.status, 404);
});

dual_db_test!(async fn internal_tags_have_no_public_page(db) {
    let app = TestApp::new(&db).await;
    let f = newsroom(&app).await;
    PostBuilder::published("Breaking: bridge closed").authors(&[&f.anna]).tags(&["Society", "#breaking"]).create(&app.newsroom).await;
    assert_eq!(app.get("/tag/hash-breaking/").await.status, 404);
    let html = Html::parse_document(&app.get("/breaking-bridge-closed/").await.text());
    let tags: Vec<String> = select(&html, ".tags a").iter().map(text_of).collect();
    assert_eq!(tags, ["Society"], "internal tags are never shown");
});
