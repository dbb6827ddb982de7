use std::sync::{Arc, Mutex};

use masthead_app::{AppError, ContentChange, PostBody, PostInput};
use masthead_core::{PostStatus, PostType};
use masthead_test_utils::{PostBuilder, StaffBuilder, TestApp, dual_db_test};

dual_db_test!(async fn creating_a_post_derives_html_text_and_reading_time(db) {
    let app = TestApp::new(&db).await;
    let anna = StaffBuilder::new("Anna Field").create(&db).await;
    let words = "word ".repeat(600);
    let post = PostBuilder::published("Long read")
        .authors(&[&anna])
        .markdown(&format!("Intro **bold** &amp; more.\n\n{words}\n\n![A map](/content/images/map.png)"))
        .feature_image("/content/images/hero.jpg", "Alt", "Caption", "Credit")
        .create(&app.newsroom)
        .await;
    assert!(post.html.contains("<strong>bold</strong>"));
    assert!(post.plaintext.starts_with("Intro bold & more."), "{}", &post.plaintext[..40]);
    // 604 words = 131.8 s, plus 12 s (hero) and 11 s (inline image) = 154.8 s -> 3 minutes.
    assert_eq!(post.reading_time, 3);
    let excerpt = post.excerpt();
    assert!(excerpt.chars().count() <= 500 && excerpt.ends_with("word…"), "no custom excerpt: the start of the text, cut at a word");
    assert!(post.published_at.is_some());
    assert_eq!(post.status, PostStatus::Published);
});

dual_db_test!(async fn invalid_input_is_refused_with_a_precise_message(db) {
    let app = TestApp::new(&db).await;
    let anna = StaffBuilder::new("Anna Field").create(&db).await;
    let base = || PostBuilder::draft("A title").authors(&[&anna]).input();
    let field_of = |result: Result<masthead_core::Post, AppError>| match result {
        Err(AppError::Invalid { field, message }) => (field, message),
        other => panic!("expected a validation error, got {other:?}"),
    };

    let mut no_title = base();
    no_title.title = "   ".into();
    assert_eq!(field_of(app.newsroom.create_post(no_title).await), ("title", "a title is required".into()));

    let mut long_excerpt = base();
    long_excerpt.custom_excerpt = Some("x".repeat(301));
    assert_eq!(field_of(app.newsroom.create_post(long_excerpt).await).0, "custom_excerpt");

    let mut bad_slug = base();
    bad_slug.slug = Some("Not A Slug".into());
    assert_eq!(field_of(app.newsroom.create_post(bad_slug).await).0, "slug");

    let mut nobody = base();
    nobody.author_ids.clear();
    assert_eq!(field_of(app.newsroom.create_post(nobody).await), ("authors", "a post needs at least one author".into()));

    let mut unscheduled = base();
    unscheduled.status = PostStatus::Scheduled;
    assert_eq!(field_of(app.newsroom.create_post(unscheduled).await).0, "published_at");

    assert_eq!(db.count_posts().await.expect("count"), 0, "nothing was stored");
});

dual_db_test!(async fn derived_slugs_are_made_unique_but_explicit_ones_conflict(db) {
    let app = TestApp::new(&db).await;
    let anna = StaffBuilder::new("Anna Field").create(&db).await;
    let first = PostBuilder::published("Curfew lifted").authors(&[&anna]).create(&app.newsroom).await;
    let second = PostBuilder::published("Curfew lifted").authors(&[&anna]).create(&app.newsroom).await;
    let third = PostBuilder::published("Curfew lifted!").authors(&[&anna]).create(&app.newsroom).await;
    assert_eq!([first.slug.as_str(), second.slug.as_str(), third.slug.as_str()], ["curfew-lifted", "curfew-lifted-2", "curfew-lifted-3"]);
    let explicit = PostBuilder::published("Other").slug("curfew-lifted").authors(&[&anna]).input();
    assert!(matches!(app.newsroom.create_post(explicit).await, Err(AppError::Conflict(_))));
});

dual_db_test!(async fn every_write_announces_what_it_touched(db) {
    let app = TestApp::new(&db).await;
    let seen: Arc<Mutex<Vec<ContentChange>>> = Arc::default();
    let sink = seen.clone();
    app.newsroom.changes.subscribe(move |change| sink.lock().expect("lock").push(change.clone()));
    let anna = StaffBuilder::new("Anna Field").create(&db).await;
    let boris = StaffBuilder::new("Boris Lane").create(&db).await;
    let post = PostBuilder::published("Ceasefire talks").authors(&[&anna]).tags(&["Politics"]).create(&app.newsroom).await;
    let politics = post.tags[0].id.clone();

    let mut input = PostInput::new(PostType::Post, "Ceasefire talks stall", PostBody::Html(post.html.clone()), vec![boris.id.clone()]);
    input.status = PostStatus::Published;
    input.tags = vec!["Diplomacy".into()];
    let edited = app.newsroom.update_post(&post.id, input).await.expect("edit");
    let diplomacy = edited.tags[0].id.clone();
    app.newsroom.delete_post(&post.id).await.expect("delete");

    let changes = seen.lock().expect("lock").clone();
    let post_changes: Vec<&ContentChange> = changes.iter().filter(|c| matches!(c, ContentChange::Post { .. })).collect();
    assert_eq!(post_changes.len(), 3);
    match post_changes[1] {
        ContentChange::Post { tag_ids, author_ids, .. } => {
            assert!(tag_ids.contains(&politics) && tag_ids.contains(&diplomacy), "old and new tags");
            assert!(author_ids.contains(&anna.id) && author_ids.contains(&boris.id), "old and new authors");
        }
        other => panic!("{other:?}"),
    }
    assert!(changes.contains(&ContentChange::Tag(diplomacy)), "a new tag is announced");
    assert!(matches!(app.newsroom.update_post(&post.id, PostBuilder::draft("x").authors(&[&anna]).input()).await, Err(AppError::NotFound(_))));
});
