use masthead_app::demo;
use masthead_core::{PostType, Reader, Visibility};
use masthead_storage::{PageRequest, PostList};
use masthead_test_utils::{TestApp, dual_db_test};

dual_db_test!(async fn the_demo_newsroom_is_complete_and_seeding_is_idempotent(db) {
    let app = TestApp::new(&db).await;
    let report = demo::seed(&app.newsroom).await.expect("seed");
    assert!(report.created >= 42, "{report:?}");
    assert_eq!(report.skipped, 0);

    let posts = db.published_posts(PostList::All, PageRequest::new(1, 100)).await.expect("posts");
    assert!(posts.total >= 40, "{} articles", posts.total);
    let sections = db.public_tags_with_published_posts().await.expect("sections");
    assert!(sections.iter().filter(|s| s.post_count >= 2).count() >= 5);
    let authors = db.authors_with_published_posts().await.expect("authors");
    assert!(authors.len() >= 4);
    assert!(posts.items.iter().filter(|p| p.authors.len() > 1).count() >= 5, "multi-author bylines");
    for post in &posts.items {
        let image = post.feature_image.as_deref().expect("every story has a hero image");
        assert!(post.feature_image_caption.is_some() && post.feature_image_credit.is_some() && post.feature_image_alt.is_some());
        let key = format!("images/{}", image.trim_start_matches("/content/images/"));
        assert!(app.media.get(&key).await.expect("read").is_some(), "{key} was generated");
    }
    // One investigation is for members and the editor's briefing for paying members, each with
    // its public opening marked; the rest is public.
    let gated: Vec<(&str, Visibility)> =
        posts.items.iter().filter(|p| p.is_gated()).map(|p| (p.slug.as_str(), p.visibility)).collect();
    assert_eq!(
        gated,
        [
            ("tracing-the-imported-parts-inside-aldovian-drone-factories", Visibility::Members),
            ("members-briefing-what-we-are-investigating-next", Visibility::Paid),
        ]
    );
    let gated = posts.items.iter().find(|p| p.is_gated()).expect("the members-only story");
    assert_eq!(gated.visibility, Visibility::Members);
    let seen = masthead_render::gating::seen_by(gated, Reader::Anonymous);
    assert!(!seen.access && seen.post.html.contains("a small number of suppliers abroad"), "{}", seen.post.html);
    assert!(!seen.post.html.contains("We assemble here"));
    assert!(db.post_by_slug(PostType::Page, "about").await.expect("about").is_some());
    assert!(db.post_by_slug(PostType::Page, "membership").await.expect("membership").is_some());
    assert_eq!(db.site_settings().await.expect("settings").title, "The Korvet Independent");
    let newsletters: Vec<String> = db.newsletters(false).await.expect("newsletters").iter().map(|n| n.name.clone()).collect();
    assert_eq!(newsletters, ["Morning Brief", "Frontline Dispatch"]);
    // Two paid tiers to join, at the prices most members of such a newsroom pay.
    let tiers: Vec<(String, Option<i64>)> =
        db.tiers().await.expect("tiers").iter().map(|t| (t.name.clone(), t.monthly_price)).collect();
    assert_eq!(tiers, [("Free".to_owned(), None), ("Member".into(), Some(500)), ("Sustainer".into(), Some(1000))]);

    let again = demo::seed(&app.newsroom).await.expect("seed again");
    assert_eq!(again.created, 0);
    assert_eq!(again.skipped, report.created);
    assert_eq!(db.count_posts().await.expect("count") as usize, report.created);
});
