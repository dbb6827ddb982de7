use masthead_app::{PostBody, PostInput};
use masthead_core::{PostStatus, PostType};
use masthead_test_utils::{TestApp, dual_db_test};
use scraper::Html;
use serde_json::Value;

use crate::{newsroom, select, text_of};

dual_db_test!(async fn the_article_page_carries_the_reference_structure(db) {
    let app = TestApp::new(&db).await;
    let f = newsroom(&app).await;
    let response = app.get("/floods-reach-the-harbour-district/").await;
    assert_eq!(response.status, 200);
    let html = Html::parse_document(&response.text());

    // Skip link to the main landmark, and the landmarks themselves.
    let skip = select(&html, "a.skip-link");
    assert_eq!(skip[0].value().attr("href"), Some("#content"));
    assert_eq!(select(&html, "main#content").len(), 1);
    assert_eq!(select(&html, "header.site-header").len(), 1);
    assert_eq!(select(&html, "footer.site-footer").len(), 1);

    // Headline, then the byline with linked authors in order, local time, reading time.
    assert_eq!(text_of(&select(&html, "h1")[0]), "Floods reach the harbour district");
    let authors: Vec<(String, Option<String>)> = select(&html, ".byline a[rel=author]")
        .iter()
        .map(|a| (text_of(a), a.value().attr("href").map(str::to_owned)))
        .collect();
    assert_eq!(authors, [
        ("Anna Field".to_owned(), Some("/author/anna-field/".to_owned())),
        ("Boris Lane".to_owned(), Some("/author/boris-lane/".to_owned())),
    ]);
    let time = &select(&html, ".byline time")[0];
    let datetime = time.value().attr("datetime").expect("datetime attribute");
    let published = f.lead.published_at.expect("published");
    let kyiv = jiff::Timestamp::from_second(published.unix_timestamp()).expect("ts").to_zoned(jiff::tz::TimeZone::get("Europe/Kyiv").expect("tz"));
    assert_eq!(datetime, kyiv.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string(), "time is in the site's time zone");
    assert!(text_of(time).contains(&kyiv.strftime("%H:%M").to_string()));
    // The page never says "0 min read": a story under a minute reads as one.
    assert_eq!(text_of(&select(&html, ".byline__reading")[0]), format!("{} min read", f.lead.reading_time.max(1)));

    // Hero figure: responsive image with alt, caption and credit in the figcaption.
    let img = &select(&html, "figure.article__figure img")[0];
    assert_eq!(img.value().attr("alt"), Some("Water covers a street lined with shops"));
    let srcset = img.value().attr("srcset").expect("srcset");
    assert!(srcset.contains("/content/images/size/w480/2026/11/flood.jpg 480w"), "{srcset}");
    let caption = text_of(&select(&html, "figure.article__figure figcaption")[0]);
    assert_eq!(caption, "Residents wade along Quay Street. (Photo: Anna Field / The Harbour Post)");

    // Body, tags, related stories (shared tag first) with excerpts.
    assert_eq!(text_of(&select(&html, ".article__body h2")[0]), "What next");
    let tags: Vec<String> = select(&html, ".tags a").iter().map(text_of).collect();
    assert_eq!(tags, ["Society", "Weather"]);
    let related: Vec<String> = select(&html, ".related .card__title").iter().map(text_of).collect();
    assert_eq!(related[0], f.neighbour.title);
    assert!(related.contains(&f.unrelated.title), "topped up with recent stories: {related:?}");
    assert!(!select(&html, ".related .card__excerpt").is_empty());

    // Canonical, OpenGraph, Twitter.
    let meta = |selector: &str, attr: &str| select(&html, selector).first().and_then(|e| e.value().attr(attr)).map(str::to_owned);
    assert_eq!(meta("link[rel=canonical]", "href").as_deref(), Some("https://news.example.org/floods-reach-the-harbour-district/"));
    assert_eq!(meta("meta[property='og:type']", "content").as_deref(), Some("article"));
    assert_eq!(meta("meta[property='og:image']", "content").as_deref(), Some("https://news.example.org/content/images/size/w960/2026/11/flood.jpg"));
    assert_eq!(meta("meta[name='twitter:card']", "content").as_deref(), Some("summary_large_image"));

    // NewsArticle JSON-LD with an author array.
    let json_ld = text_of(&select(&html, "script[type='application/ld+json']")[0]);
    let data: Value = serde_json::from_str(&json_ld).expect("JSON-LD parses");
    assert_eq!(data["@type"], "NewsArticle");
    assert_eq!(data["headline"], "Floods reach the harbour district");
    let names: Vec<&str> = data["author"].as_array().expect("author is an array").iter().filter_map(|a| a["name"].as_str()).collect();
    assert_eq!(names, ["Anna Field", "Boris Lane"]);
    assert!(data["image"].as_array().is_some_and(|i| !i.is_empty()));
    assert!(data["datePublished"].is_string() && data["dateModified"].is_string());
    assert_eq!(data["publisher"]["name"], "The Harbour Post");
    let _ = f.anna;
});

dual_db_test!(async fn an_updated_line_appears_only_after_a_material_change(db) {
    let app = TestApp::new(&db).await;
    let f = newsroom(&app).await;
    let page = app.get("/floods-reach-the-harbour-district/").await;
    assert!(select(&Html::parse_document(&page.text()), ".article__updated").is_empty());

    // A retagging is not a material change...
    let mut input = PostInput::new(PostType::Post, &f.lead.title, PostBody::Html(f.lead.html.clone()), vec![f.anna.id.clone(), f.boris.id.clone()]);
    input.status = PostStatus::Published;
    input.tags = vec!["Society".into()];
    input.feature_image = f.lead.feature_image.clone();
    app.newsroom.update_post(&f.lead.id, input.clone()).await.expect("retag");
    let page = app.get("/floods-reach-the-harbour-district/").await;
    assert!(select(&Html::parse_document(&page.text()), ".article__updated").is_empty());

    // ...a change to the story two hours after publication is.
    input.body = PostBody::Markdown("The river fell back by noon, officials said.".into());
    let updated = app.newsroom.update_post(&f.lead.id, input).await.expect("edit");
    assert!(updated.material_update().is_some());
    let page = app.get("/floods-reach-the-harbour-district/").await;
    let html = Html::parse_document(&page.text());
    let line = &select(&html, ".article__updated")[0];
    assert!(text_of(line).starts_with("Updated"));
    assert!(select(&html, ".article__updated time")[0].value().attr("datetime").is_some());
    let json_ld: Value = serde_json::from_str(&text_of(&select(&html, "script[type='application/ld+json']")[0])).expect("json");
    assert_ne!(json_ld["dateModified"], json_ld["datePublished"], "dateModified moves");
});

dual_db_test!(async fn user_html_is_sanitised_and_page_fields_escaped(db) {
    let app = TestApp::new(&db).await;
    let f = newsroom(&app).await;
    let mut input = PostInput::new(
        PostType::Post,
        "<script>alert('title')</script> & more",
        PostBody::Html("<p onclick=\"x()\">Hi</p><script>alert(1)</script><a href=\"javascript:alert(1)\">x</a>".into()),
        vec![f.anna.id.clone()],
    );
    input.status = PostStatus::Published;
    input.slug = Some("escaping".into());
    input.custom_excerpt = Some("\"quoted\" <b>bold</b>".into());
    app.newsroom.create_post(input).await.expect("create");
    let body = app.get("/escaping/").await.text();
    assert!(!body.contains("<script>alert"), "no script from user content");
    assert!(!body.contains("onclick") && !body.contains("javascript:alert"));
    assert!(body.contains("&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt; &amp; more"));
    assert!(body.contains("&quot;quoted&quot; &lt;b&gt;bold&lt;/b&gt;"));
    let html = Html::parse_document(&body);
    let json_ld: Value = serde_json::from_str(&text_of(&select(&html, "script[type='application/ld+json']")[0])).expect("JSON-LD parses");
    assert_eq!(json_ld["headline"], "<script>alert('title')</script> & more");
});

dual_db_test!(async fn drafts_are_not_public_and_pages_render_without_byline(db) {
    let app = TestApp::new(&db).await;
    let f = newsroom(&app).await;
    masthead_test_utils::PostBuilder::draft("Embargoed investigation").authors(&[&f.anna]).create(&app.newsroom).await;
    assert_eq!(app.get("/embargoed-investigation/").await.status, 404);
    masthead_test_utils::PostBuilder::page("About us").slug("about").authors(&[&f.anna]).markdown("We are **independent**.").create(&app.newsroom).await;
    let about = app.get("/about/").await;
    assert_eq!(about.status, 200);
    let html = Html::parse_document(&about.text());
    assert_eq!(text_of(&select(&html, "h1")[0]), "About us");
    assert!(select(&html, ".byline").is_empty());
    assert!(select(&html, "script[type='application/ld+json']").is_empty());
});
