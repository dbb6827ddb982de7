use masthead_test_utils::{TestApp, dual_db_test};
use scraper::Html;

use crate::{newsroom, select, text_of};

dual_db_test!(async fn unknown_pages_get_the_themed_404_with_status_404(db) {
    let app = TestApp::new(&db).await;
    newsroom(&app).await;
    for path in ["/no-such-story/", "/a/b/c/d/", "/tag/x/page/abc/", "/content/images/missing.jpg", "/assets/css/site.nope.css"] {
        let response = app.get(path).await;
        assert_eq!(response.status, 404, "{path}");
        let html = Html::parse_document(&response.text());
        assert_eq!(text_of(&select(&html, "h1")[0]), "Page not found", "{path}");
        assert!(!select(&html, "a.skip-link").is_empty());
    }
    let html = Html::parse_document(&app.get("/no-such-story/").await.text());
    assert_eq!(select(&html, ".card").len(), 3, "the 404 page suggests the latest stories");
});

dual_db_test!(async fn urls_are_normalised_with_permanent_redirects(db) {
    let app = TestApp::new(&db).await;
    newsroom(&app).await;
    for (from, to) in [
        ("/floods-reach-the-harbour-district", "/floods-reach-the-harbour-district/"),
        ("/Floods-Reach-The-Harbour-District/", "/floods-reach-the-harbour-district/"),
        ("/tag/society?ref=nav", "/tag/society/?ref=nav"),
        ("/TAG/Society", "/tag/society/"),
        ("/rss", "/rss/"),
    ] {
        let response = app.get(from).await;
        assert_eq!(response.status, 301, "{from}");
        assert_eq!(response.header("location"), Some(to), "{from}");
    }
    assert_eq!(app.get("/sitemap.xml").await.status, 200, "files keep their names");
    assert_eq!(app.get("/%2e%2e/%2e%2e/etc/passwd/").await.status, 404);
});

dual_db_test!(async fn robots_txt_points_at_the_sitemap(db) {
    let app = TestApp::new(&db).await;
    let body = app.get("/robots.txt").await.text();
    assert!(body.contains("Sitemap: https://news.example.org/sitemap.xml"));
});

dual_db_test!(async fn every_response_carries_the_security_headers(db) {
    let app = TestApp::new(&db).await;
    newsroom(&app).await;
    for path in ["/", "/floods-reach-the-harbour-district/", "/rss/", "/no-such-page/", "/Tag/Society"] {
        let response = app.get(path).await;
        assert_eq!(response.header("x-content-type-options"), Some("nosniff"), "{path}");
        assert_eq!(response.header("referrer-policy"), Some("strict-origin-when-cross-origin"), "{path}");
        assert!(response.header("content-security-policy").is_some_and(|csp| csp.contains("frame-ancestors 'self'")), "{path}");
        assert_eq!(response.header("strict-transport-security"), Some("max-age=31536000"), "{path}: the test site is https");
    }
});

dual_db_test!(async fn request_headers_cannot_poison_the_page_cache(db) {
    let app = TestApp::new(&db).await;
    newsroom(&app).await;
    let poisoned = app
        .get_with("/", &[("x-forwarded-host", "evil.example"), ("host", "evil.example"), ("x-ghost-preview", "1")])
        .await;
    assert!(!poisoned.text().contains("evil.example"));
    let plain = app.get("/").await;
    assert_eq!(plain.body, poisoned.body, "output does not depend on unkeyed request headers");
    assert!(plain.text().contains("https://news.example.org/"));
});
