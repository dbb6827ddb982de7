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
    let url = app.media.save_jpeg_with_variants("2026/11/red.jpg", image).await.expect("saved");
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

dual_db_test!(async fn webp_variants_are_offered_and_served_as_webp(db) {
    let app = TestApp::new(&db).await;
    let f = newsroom(&app).await;
    let image = image::RgbImage::from_pixel(1600, 900, image::Rgb([40, 90, 160]));
    app.media.save_jpeg_with_variants("2026/11/flood.jpg", image).await.expect("saved");
    let page = app.get(&format!("/{}/", f.lead.slug)).await;
    let html = Html::parse_document(&page.text());
    let source = select(&html, "figure.article__figure picture source[type='image/webp']");
    let srcset = source[0].value().attr("srcset").expect("webp srcset");
    assert!(srcset.starts_with("/content/images/size/w480/format/webp/2026/11/flood.jpg 480w"), "{srcset}");
    let webp = app.get("/content/images/size/w960/format/webp/2026/11/flood.jpg").await;
    assert_eq!((webp.status.as_u16(), webp.header("content-type")), (200, Some("image/webp")));
    assert_eq!(image::load_from_memory(&webp.body).expect("decodes").width(), 960);
    let jpeg = app.get("/content/images/size/w960/2026/11/flood.jpg").await;
    assert!(webp.body.len() < jpeg.body.len(), "WebP is the smaller file");
    // An image stored without WebP variants (imported, say) still answers, with the JPEG.
    app.media.put("images/2026/11/legacy.jpg", jpeg.body.to_vec()).await.expect("store a lone original");
    let fallback = app.get("/content/images/size/w960/format/webp/2026/11/legacy.jpg").await;
    assert_eq!((fallback.status.as_u16(), fallback.header("content-type")), (200, Some("image/jpeg")));
    assert_eq!(fallback.body, jpeg.body);
    assert_eq!(app.get("/content/images/size/w960/format/webp/2026/11/never-stored.jpg").await.status, 404);
});
