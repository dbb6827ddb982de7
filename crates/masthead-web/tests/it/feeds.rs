use masthead_test_utils::{PostBuilder, TestApp, dual_db_test};
use time::Duration;

use crate::newsroom;

fn xml(text: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(text).unwrap_or_else(|e| panic!("not XML ({e}):\n{text}"))
}

dual_db_test!(async fn rss_feeds_parse_and_carry_full_content(db) {
    let app = TestApp::new(&db).await;
    let f = newsroom(&app).await;
    let response = app.get("/rss/").await;
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some("application/rss+xml; charset=utf-8"));
    let text = response.text();
    let doc = xml(&text);
    let items: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("item")).collect();
    assert_eq!(items.len(), 3);
    let first = items[0];
    let child = |name: &str| first.children().find(|c| c.tag_name().name() == name).and_then(|c| c.text()).unwrap_or_default().to_owned();
    assert_eq!(child("title"), f.lead.title);
    assert_eq!(child("link"), "https://news.example.org/floods-reach-the-harbour-district/");
    assert!(child("encoded").contains("<h2>What next</h2>"), "full HTML in content:encoded");
    let creators: Vec<_> = first.children().filter(|c| c.tag_name().name() == "creator").filter_map(|c| c.text()).collect();
    assert_eq!(creators, ["Anna Field", "Boris Lane"]);
    assert!(time::OffsetDateTime::parse(&child("pubDate"), &time::format_description::well_known::Rfc2822).is_ok());

    for (path, expected) in [("/tag/culture/rss/", 1), ("/author/boris-lane/rss/", 2)] {
        let text = app.get(path).await.text();
        let doc = xml(&text);
        assert_eq!(doc.descendants().filter(|n| n.has_tag_name("item")).count(), expected, "{path}");
    }
    assert_eq!(app.get("/tag/nothing/rss/").await.status, 404);
});

dual_db_test!(async fn every_sitemap_parses_and_lists_what_it_should(db) {
    let app = TestApp::new(&db).await;
    let f = newsroom(&app).await;
    PostBuilder::page("About us").slug("about").authors(&[&f.anna]).create(&app.newsroom).await;
    PostBuilder::published("Archive piece").authors(&[&f.anna]).published_at(masthead_core::now() - Duration::days(9)).create(&app.newsroom).await;

    let index_text = app.get("/sitemap.xml").await.text();
    let index = xml(&index_text);
    let maps: Vec<String> = index.descendants().filter(|n| n.has_tag_name("loc")).filter_map(|n| n.text()).map(str::to_owned).collect();
    assert_eq!(maps.len(), 5);
    let locs = |text: &str| -> Vec<String> {
        let sitemaps = "http://www.sitemaps.org/schemas/sitemap/0.9";
        xml(text).descendants().filter(|n| n.has_tag_name((sitemaps, "loc"))).filter_map(|n| n.text()).map(str::to_owned).collect()
    };
    for map in &maps {
        let path = map.trim_start_matches("https://news.example.org");
        let response = app.get(path).await;
        assert_eq!(response.status, 200, "{path}");
        assert_eq!(response.header("content-type"), Some("application/xml; charset=utf-8"));
        let text = response.text();
        let urls = locs(&text);
        match path {
            "/sitemap-posts.xml" => assert_eq!(urls.len(), 4),
            "/sitemap-pages.xml" => assert_eq!(urls, ["https://news.example.org/about/"]),
            "/sitemap-tags.xml" => assert!(urls.contains(&"https://news.example.org/tag/society/".to_owned())),
            "/sitemap-authors.xml" => assert_eq!(urls.len(), 2),
            "/sitemap-news.xml" => {
                assert_eq!(urls.len(), 2, "only the last two days: {urls:?}");
                assert!(text.contains("<news:title>Floods reach the harbour district</news:title>"));
            }
            other => panic!("unexpected sitemap {other}"),
        }
    }
});

dual_db_test!(async fn long_sitemaps_are_split_a_thousand_to_a_file(db) {
    let app = TestApp::new(&db).await;
    let archive = masthead_app::archive::generate(&app.newsroom, 1_100, 3, |_| {}).await.expect("archive");
    assert!(archive.posts > 1_000, "enough published stories for two files: {archive:?}");

    let index_text = app.get("/sitemap.xml").await.text();
    let maps: Vec<String> = xml(&index_text)
        .descendants()
        .filter(|n| n.has_tag_name("loc"))
        .filter_map(|n| n.text())
        .map(|url| url.trim_start_matches("https://news.example.org").to_owned())
        .collect();
    assert_eq!(
        maps,
        ["/sitemap-pages.xml", "/sitemap-posts.xml", "/sitemap-posts-2.xml", "/sitemap-authors.xml", "/sitemap-tags.xml", "/sitemap-news.xml"]
    );
    let mut listed = std::collections::HashSet::new();
    for (path, expected) in [("/sitemap-posts.xml", 1_000), ("/sitemap-posts-2.xml", archive.posts - 1_000)] {
        let response = app.get(path).await;
        assert_eq!(response.status, 200, "{path}");
        let text = response.text();
        let urls: Vec<String> = xml(&text).descendants().filter(|n| n.has_tag_name("loc")).filter_map(|n| n.text()).map(str::to_owned).collect();
        assert_eq!(urls.len(), expected, "{path}");
        listed.extend(urls);
    }
    assert_eq!(listed.len(), archive.posts, "every published story once, in one file or the other");
    for missing in ["/sitemap-posts-3.xml", "/sitemap-posts-1.xml", "/sitemap-tags-2.xml", "/sitemap-anything-2.xml"] {
        assert_eq!(app.get(missing).await.status, 404, "{missing}");
    }
});
