use axum::body::Body;
use axum::http::Request;
use masthead_app::integrations::sign_admin_token;
use masthead_core::Role;
use masthead_test_utils::{S3Server, TestApp, dual_db_test};
use scraper::Html;

use crate::api::integration;
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

    // The article page is light: HTML, CSS and the one script (live feed updates, deferred, from
    // our own fingerprinted URL) well under 60 KB.
    let scripts: Vec<&str> = select(&html, "script[src]").iter().filter_map(|s| s.value().attr("src")).collect();
    assert_eq!(scripts.len(), 1, "{scripts:?}");
    assert!(scripts[0].starts_with("/assets/js/live.") && scripts[0].ends_with(".js"), "{scripts:?}");
    let script = app.get(scripts[0]).await;
    assert_eq!(script.header("content-type"), Some("text/javascript; charset=utf-8"));
    assert_eq!(script.header("cache-control"), Some("public, max-age=31536000, immutable"));
    let total = page.body.len() + css.body.len() + script.body.len();
    assert!(total < 60 * 1024, "article page weighs {total} bytes");
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

dual_db_test!(async fn images_uploaded_to_an_s3_bucket_are_served_with_their_variants(db) {
    let Some(s3) = S3Server::start().await else {
        db.finish().await;
        return;
    };
    let app = TestApp::with_media(&db, s3.media_store()).await;
    app.newsroom.add_staff("Olena Owner", "owner@news.example.org", Role::Owner, Some("a long enough secret")).await.expect("owner");
    let admin_key = integration(&app).await.admin_key.expect("admin key");
    let token = sign_admin_token(&admin_key, masthead_core::now()).expect("token");
    let mut photo = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(image::RgbImage::from_pixel(1600, 900, image::Rgb([0, 90, 160])))
        .write_to(&mut photo, image::ImageFormat::Jpeg)
        .expect("jpeg");
    let boundary = "masthead-boundary";
    let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"Quay at dawn.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n").into_bytes();
    body.extend(photo.into_inner());
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    let uploaded = app
        .request(
            Request::post("/ghost/api/admin/images/upload/")
                .header("authorization", format!("Ghost {token}"))
                .header("content-type", format!("multipart/form-data; boundary={boundary}"))
                .body(Body::from(body))
                .expect("request"),
        )
        .await;
    assert_eq!(uploaded.status, 201, "{}", uploaded.text());
    let json: serde_json::Value = serde_json::from_slice(&uploaded.body).expect("json");
    let url = json["images"][0]["url"].as_str().expect("url");
    let relative = url.split_once("/content/images/").map(|(_, rest)| rest.to_owned()).expect("an image URL");
    assert!(relative.contains("/quay-at-dawn-") && relative.ends_with(".jpg"), "{url}");

    // The bucket holds the original and every variant, listed through S3's own API...
    let mut expected = vec![format!("images/{relative}")];
    for width in masthead_core::IMAGE_WIDTHS {
        expected.push(format!("images/size/w{width}/{relative}"));
        expected.push(format!("images/size/w{width}/format/webp/{relative}"));
    }
    expected.sort();
    assert_eq!(s3.keys().await, expected);
    // ...and the site serves each one as S3 holds it.
    for key in &expected {
        let path = format!("/content/{key}");
        let served = app.get(&path).await;
        assert_eq!(served.status, 200, "{path}");
        let content_type = if key.contains("/format/webp/") { "image/webp" } else { "image/jpeg" };
        assert_eq!(served.header("content-type"), Some(content_type), "{path}");
        assert_eq!(served.body.as_ref(), s3.object(key).await.expect("in the bucket").as_slice(), "{path}");
    }
    let w960 = image::load_from_memory(&app.get(&format!("/content/images/size/w960/{relative}")).await.body).expect("decodes");
    assert_eq!((w960.width(), w960.height()), (960, 540));

    // An image another instance stored in the same bucket is served here too.
    let other_instance = s3.media_store();
    other_instance.save_jpeg_with_variants("2026/11/elsewhere.jpg", image::RgbImage::new(300, 200)).await.expect("saved");
    let served = app.get("/content/images/2026/11/elsewhere.jpg").await;
    assert_eq!(served.status, 200);
    assert_eq!(served.body.as_ref(), s3.object("images/2026/11/elsewhere.jpg").await.expect("in the bucket").as_slice());
    assert_eq!(app.get("/content/images/2026/11/never-stored.jpg").await.status, 404);
});
