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
    // Dot segments resolve as a browser would resolve them, and what is left is not a file.
    let traversal = app.get("/%2e%2e/%2e%2e/etc/passwd/").await;
    assert_eq!((traversal.status.as_u16(), traversal.header("location")), (301, Some("/etc/passwd/")));
    assert_eq!(app.get("/etc/passwd/").await.status, 404);
});

/// Where a browser goes when it follows `location` from the site's home page.
fn followed(location: &str) -> url::Url {
    url::Url::parse("https://news.example.org/").expect("base").join(location).expect("a browser can follow it")
}

dual_db_test!(async fn the_url_normaliser_never_redirects_to_another_site(db) {
    let app = TestApp::new(&db).await;
    newsroom(&app).await;
    for (from, to) in [
        ("//evil.example/x", "/evil.example/x/"),
        ("//Evil.example", "/evil.example"),
        ("///evil.example/x?y=1", "/evil.example/x/?y=1"),
        ("/admin/..//evil.example/x", "/evil.example/x/"),
        ("/admin/%2e%2e//evil.example/x", "/evil.example/x/"),
        ("/%2F%2Fevil.example", "/%2f%2fevil.example"),
        ("/%2F%2Fevil.example/X", "/%2f%2fevil.example/x/"),
        ("/tag/x/..//evil.example/", "/tag/evil.example/"),
    ] {
        let response = app.get(from).await;
        assert_eq!(response.status, 301, "{from}");
        assert_eq!(response.header("location"), Some(to), "{from}");
        assert_eq!(followed(to).host_str(), Some("news.example.org"), "{from}");
    }
    // Tabs, newlines and backslashes cannot even be sent in a request line; their encoded forms
    // stay encoded (browsers do not decode them in a path), so they stay on the site too.
    for path in ["/%09/evil.example", "/%0a/evil.example", "/%5Cevil.example", "/%5C%5Cevil.example/X"] {
        let response = app.get(path).await;
        if let Some(location) = response.header("location") {
            assert_eq!(followed(location).host_str(), Some("news.example.org"), "{path} -> {location}");
            assert!(location.starts_with('/') && !location.starts_with("//"), "{path} -> {location}");
        }
    }
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
