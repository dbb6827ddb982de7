use masthead_test_utils::{TestApp, dual_db_test};
use scraper::Html;

use crate::{newsroom, select};

dual_db_test!(async fn theme_assets_are_fingerprinted_and_cached_for_a_year(db) {
    let app = TestApp::new(&db).await;
    newsroom(&app).await;
    let page = app.get("/floods-reach-the-harbour-district/").await;
    let html = Html::parse_document(&page.text());
    let href = select(&html, "link[rel=stylesheet]")[0].value().attr("href").expect("stylesheet").to_owned();
    assert!(href.starts_with("/assets/css/site.") && href.ends_with(".css") && href.len() > "/assets/css/site..css".len() + 8, "{href}");
    let css = app.get(&href).await;
    assert_eq!(css.status, 200);
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    assert_eq!(css.header("cache-control"), Some("public, max-age=31536000, immutable"));
    assert!(css.text().contains(".skip-link"));

    // The article page is light: HTML plus CSS (no JavaScript) well under 60 KB.
    let total = page.body.len() + css.body.len();
    assert!(total < 60 * 1024, "article page weighs {total} bytes");
    assert!(select(&html, "script[src]").is_empty());
});

dual_db_test!(async fn images_are_served_with_variant_fallback(db) {
    let app = TestApp::new(&db).await;
    let image = image::RgbImage::from_pixel(800, 450, image::Rgb([200, 10, 10]));
    let url = app.newsroom.media.save_jpeg_with_variants("2026/11/red.jpg", &image).expect("saved");
    assert_eq!(url, "/content/images/2026/11/red.jpg");
    let original = app.get(&url).await;
    assert_eq!(original.status, 200);
    assert_eq!(original.header("content-type"), Some("image/jpeg"));
    assert_eq!(original.header("cache-control"), Some("public, max-age=31536000, immutable"));
    let small = app.get("/content/images/size/w480/2026/11/red.jpg").await;
    assert_eq!(small.status, 200);
    assert!(small.body.len() < original.body.len());
    assert_eq!(image::load_from_memory(&small.body).expect("decodes").width(), 480);
    // No variant stored for this width: the original is served rather than a broken image.
    let fallback = app.get("/content/images/size/w2000/2026/11/red.jpg").await;
    assert_eq!(fallback.status, 200);
    assert_eq!(fallback.body, original.body);
    assert_eq!(app.get("/content/images/2026/11/../../../../etc/passwd").await.status, 404);
});
