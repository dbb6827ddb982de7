use masthead_core::{PostStatus, PostType};
use masthead_storage::{PageRequest, PostList, StorageError};
use masthead_test_utils::{PostBuilder, StaffBuilder, TestApp, dual_db_test};
use time::Duration;

dual_db_test!(async fn a_post_round_trips_with_ordered_authors_and_tags(db) {
    let app = TestApp::new(&db).await;
    let (anna, boris) = (StaffBuilder::new("Anna Field").create(&db).await, StaffBuilder::new("Boris Lane").create(&db).await);
    let published_at = masthead_core::now() - Duration::hours(3);
    let created = PostBuilder::published("Evacuation trains leave Dravsk")
        .authors(&[&boris, &anna])
        .tags(&["War", "Refugees", "#breaking"])
        .published_at(published_at)
        .feature_image("/content/images/2026/11/train.jpg", "A train at dawn", "Passengers board", "Photo: A. Field")
        .create(&app.newsroom)
        .await;
    let stored = db.post_by_slug(PostType::Post, "evacuation-trains-leave-dravsk").await.expect("query").expect("found");
    assert_eq!(stored, created);
    assert_eq!(stored.authors.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), ["Boris Lane", "Anna Field"]);
    assert_eq!(stored.tags.iter().map(|t| t.slug.as_str()).collect::<Vec<_>>(), ["war", "refugees", "hash-breaking"]);
    assert_eq!(stored.published_at, Some(masthead_core::to_stored_time(published_at)));
    assert_eq!(stored.feature_image_credit.as_deref(), Some("Photo: A. Field"));
    assert_eq!(db.post_by_id(&created.id).await.expect("by id"), Some(created));
});

dual_db_test!(async fn slugs_are_unique_per_type(db) {
    let app = TestApp::new(&db).await;
    let author = StaffBuilder::new("Anna Field").create(&db).await;
    let post = PostBuilder::published("About").slug("about").authors(&[&author]).create(&app.newsroom).await;
    let page = PostBuilder::page("About").slug("about").authors(&[&author]).create(&app.newsroom).await;
    assert_ne!(post.id, page.id);
    let mut duplicate = post.clone();
    duplicate.id = masthead_core::ObjectId::new();
    duplicate.uuid = "another-uuid".into();
    let error = db.insert_post(&duplicate).await.expect_err("same slug and type is refused");
    assert!(matches!(error, StorageError::Conflict { .. }), "{error:?}");
});

dual_db_test!(async fn published_lists_are_newest_first_paginated_and_filtered(db) {
    let app = TestApp::new(&db).await;
    let anna = StaffBuilder::new("Anna Field").create(&db).await;
    let boris = StaffBuilder::new("Boris Lane").create(&db).await;
    let now = masthead_core::now();
    for i in 0..7 {
        let author = if i % 2 == 0 { &anna } else { &boris };
        PostBuilder::published(&format!("Story {i}"))
            .authors(&[author])
            .tags(if i < 3 { &["Economy"] } else { &["Culture"] })
            .published_at(now - Duration::hours(i))
            .create(&app.newsroom)
            .await;
    }
    PostBuilder::draft("Unfinished").authors(&[&anna]).tags(&["Economy"]).create(&app.newsroom).await;
    PostBuilder::page("About us").authors(&[&anna]).create(&app.newsroom).await;

    let first = db.published_posts(PostList::All, PageRequest::new(1, 3)).await.expect("page 1");
    assert_eq!(first.items.iter().map(|p| p.title.as_str()).collect::<Vec<_>>(), ["Story 0", "Story 1", "Story 2"]);
    assert_eq!((first.total, first.pages, first.next, first.prev), (7, 3, Some(2), None));
    let last = db.published_posts(PostList::All, PageRequest::new(3, 3)).await.expect("page 3");
    assert_eq!(last.items.iter().map(|p| p.title.as_str()).collect::<Vec<_>>(), ["Story 6"]);

    let economy = db.tag_by_slug("economy").await.expect("tag").expect("exists");
    let tagged = db.published_posts(PostList::Tag(&economy.id), PageRequest::new(1, 15)).await.expect("by tag");
    assert_eq!(tagged.total, 3, "the draft is not listed");
    let by_boris = db.published_posts(PostList::Author(&boris.id), PageRequest::new(1, 15)).await.expect("by author");
    assert_eq!(by_boris.items.iter().map(|p| p.title.as_str()).collect::<Vec<_>>(), ["Story 1", "Story 3", "Story 5"]);

    let sections = db.public_tags_with_published_posts().await.expect("sections");
    assert_eq!(sections.iter().map(|t| (t.tag.slug.as_str(), t.post_count)).collect::<Vec<_>>(), [("culture", 4), ("economy", 3)]);
    let front = |sections: Vec<masthead_storage::TagWithCount>| sections.into_iter().map(|t| (t.tag.slug.to_string(), t.post_count)).collect::<Vec<_>>();
    assert_eq!(front(db.front_sections(500, 5).await.expect("front")), [("culture".to_owned(), 4), ("economy".to_owned(), 3)]);
    assert_eq!(front(db.front_sections(3, 5).await.expect("front")), [("economy".to_owned(), 3)], "only the newest three stories count");
    assert_eq!(front(db.front_sections(500, 1).await.expect("front")), [("culture".to_owned(), 4)]);
    let in_use: Vec<String> = db.public_tags_in_use().await.expect("tags").into_iter().map(|t| t.slug.to_string()).collect();
    assert_eq!(in_use, ["culture", "economy"]);
    let writers: Vec<String> = db.authors_in_use().await.expect("authors").into_iter().map(|a| a.name).collect();
    assert_eq!(writers, ["Anna Field", "Boris Lane"]);
    let authors = db.authors_with_published_posts().await.expect("authors");
    assert_eq!(authors.iter().map(|a| (a.author.name.as_str(), a.post_count)).collect::<Vec<_>>(), [("Anna Field", 4), ("Boris Lane", 3)]);
    assert_eq!(db.sitemap_entries(PostType::Page, 1, 1_000).await.expect("pages").len(), 1);
    // Split three to a file: files of 3, 3 and 1 stories, newest first, each with its newest change.
    let slugs = |entries: Vec<masthead_storage::SitemapEntry>| entries.into_iter().map(|e| e.slug).collect::<Vec<_>>();
    assert_eq!(slugs(db.sitemap_entries(PostType::Post, 1, 3).await.expect("file 1")), ["story-0", "story-1", "story-2"]);
    assert_eq!(slugs(db.sitemap_entries(PostType::Post, 3, 3).await.expect("file 3")), ["story-6"]);
    assert!(db.sitemap_entries(PostType::Post, 4, 3).await.expect("file 4").is_empty());
    let files = db.sitemap_files(PostType::Post, 3).await.expect("files");
    assert_eq!(files.len(), 3);
    for (index, lastmod) in files.iter().enumerate() {
        let file = db.sitemap_entries(PostType::Post, index as u32 + 1, 3).await.expect("file");
        assert_eq!(Some(*lastmod), file.into_iter().map(|e| e.updated_at).max(), "file {}", index + 1);
    }
    assert!(db.sitemap_files(PostType::Page, 3).await.expect("pages").len() == 1);
    assert_eq!(db.count_posts().await.expect("count"), 9);
});

dual_db_test!(async fn related_posts_share_the_most_public_tags(db) {
    let app = TestApp::new(&db).await;
    let anna = StaffBuilder::new("Anna Field").create(&db).await;
    let now = masthead_core::now();
    let story = |title: &str, tags: &'static [&'static str], hours: i64| {
        PostBuilder::published(title).authors(&[&anna]).tags(tags).published_at(now - Duration::hours(hours))
    };
    let subject = story("Subject", &["War", "Energy", "#breaking"], 10).create(&app.newsroom).await;
    story("Shares both", &["Energy", "War"], 9).create(&app.newsroom).await;
    story("Shares one, newer", &["War"], 1).create(&app.newsroom).await;
    story("Shares one, older", &["Energy"], 20).create(&app.newsroom).await;
    story("Shares only internal", &["#breaking"], 2).create(&app.newsroom).await;
    story("Shares nothing", &["Culture"], 0).create(&app.newsroom).await;
    let related = db.posts_sharing_tags(&subject, 3).await.expect("related");
    assert_eq!(
        related.iter().map(|p| p.title.as_str()).collect::<Vec<_>>(),
        ["Shares both", "Shares one, newer", "Shares one, older"]
    );
});

dual_db_test!(async fn updates_replace_links_and_deletes_cascade(db) {
    let app = TestApp::new(&db).await;
    let anna = StaffBuilder::new("Anna Field").create(&db).await;
    let boris = StaffBuilder::new("Boris Lane").create(&db).await;
    let mut post = PostBuilder::published("Budget vote").authors(&[&anna]).tags(&["Politics"]).create(&app.newsroom).await;
    post.authors = vec![boris.clone(), anna.clone()];
    post.tags.clear();
    post.status = PostStatus::Draft;
    assert!(db.update_post(&post).await.expect("update"));
    let stored = db.post_by_id(&post.id).await.expect("read").expect("exists");
    assert_eq!(stored.authors.len(), 2);
    assert_eq!(stored.authors[0].id, boris.id);
    assert!(stored.tags.is_empty());
    assert!(db.delete_post(&post.id).await.expect("delete"));
    assert_eq!(db.post_by_id(&post.id).await.expect("read"), None);
    assert!(!db.delete_post(&post.id).await.expect("delete again"));
});

dual_db_test!(async fn an_authors_list_follows_every_change_to_a_story(db) {
    // An author's list is read from the author's links, which carry each story's place in the
    // list: each change to a story, and each author added, must move it there.
    let app = TestApp::new(&db).await;
    let anna = StaffBuilder::new("Anna Field").create(&db).await;
    let boris = StaffBuilder::new("Boris Lane").create(&db).await;
    let now = masthead_core::now();
    let mut older = PostBuilder::published("Older").authors(&[&anna]).published_at(now - Duration::hours(5)).create(&app.newsroom).await;
    let mut newer = PostBuilder::published("Newer").authors(&[&anna]).published_at(now - Duration::hours(1)).create(&app.newsroom).await;
    let list = |author: &masthead_core::StaffUser| {
        let (db, id) = (db.clone(), author.id.clone());
        async move {
            let page = db.published_posts(PostList::Author(&id), PageRequest::new(1, 15)).await.expect("list");
            let titles = page.items.iter().map(|p| p.title.clone()).collect::<Vec<_>>();
            let deep = db.published_posts(PostList::Author(&id), PageRequest::new(2, 1)).await.expect("page 2");
            (page.total, titles, deep.items.into_iter().map(|p| p.title).collect::<Vec<_>>())
        }
    };
    assert_eq!(list(&anna).await, (2, vec!["Newer".to_owned(), "Older".to_owned()], vec!["Older".to_owned()]));

    older.published_at = Some(now);
    assert!(db.update_post(&older).await.expect("moved to the top"));
    assert_eq!(list(&anna).await.1, ["Older", "Newer"]);

    newer.status = PostStatus::Draft;
    assert!(db.update_post(&newer).await.expect("unpublished"));
    assert_eq!(list(&anna).await, (1, vec!["Older".to_owned()], vec![]));

    newer.status = PostStatus::Published;
    newer.published_at = Some(now);
    newer.authors = vec![anna.clone(), boris.clone()];
    // Both were made within the same second or two: this one is now updated a second later.
    newer.updated_at = older.updated_at.max(newer.updated_at) + Duration::seconds(1);
    assert!(db.update_post(&newer).await.expect("published again with a second author"));
    assert_eq!(list(&boris).await, (1, vec!["Newer".to_owned()], vec![]));
    // The same publication time: the story updated last comes first, as in the Content API.
    assert_eq!(list(&anna).await.1, ["Newer", "Older"]);
    let api = db.published_posts(PostList::All, PageRequest::new(1, 15)).await.expect("all");
    assert_eq!(api.items.iter().map(|p| p.title.as_str()).collect::<Vec<_>>(), ["Newer", "Older"]);

    older.post_type = PostType::Page;
    assert!(db.update_post(&older).await.expect("made a page"));
    assert_eq!(list(&anna).await.1, ["Newer"]);
    assert!(db.delete_post(&newer.id).await.expect("deleted"));
    assert_eq!(list(&anna).await.0, 0);
    assert_eq!(list(&boris).await.0, 0);
});

dual_db_test!(async fn recent_posts_for_the_news_sitemap(db) {
    let app = TestApp::new(&db).await;
    let anna = StaffBuilder::new("Anna Field").create(&db).await;
    let now = masthead_core::now();
    PostBuilder::published("Fresh").authors(&[&anna]).published_at(now - Duration::hours(5)).create(&app.newsroom).await;
    PostBuilder::published("Old").authors(&[&anna]).published_at(now - Duration::days(3)).create(&app.newsroom).await;
    let recent = db.posts_published_since(now - Duration::days(2)).await.expect("recent");
    assert_eq!(recent.iter().map(|p| p.title.as_str()).collect::<Vec<_>>(), ["Fresh"]);
});

dual_db_test!(async fn a_page_read_from_the_lists_marks_is_the_page_read_by_its_offset(db) {
    // Eleven stories, four sharing one publication time (their order then rests on the update
    // time and the id), two authors, two tags; a draft and a page that no list shows.
    let app = TestApp::new(&db).await;
    let anna = StaffBuilder::new("Anna Field").create(&db).await;
    let boris = StaffBuilder::new("Boris Lane").create(&db).await;
    let now = masthead_core::now();
    let (boris_alone, both) = ([&boris], [&anna, &boris]);
    let mut stories = Vec::new();
    for i in 0..11i64 {
        let at = if (3..7).contains(&i) { now - Duration::hours(3) } else { now - Duration::hours(i) };
        let story = PostBuilder::published(&format!("Story {i}"))
            .authors(if i % 3 == 0 { &boris_alone[..] } else { &both[..] })
            .tags(if i % 2 == 0 { &["Economy"] } else { &["Culture"] })
            .published_at(at)
            .create(&app.newsroom)
            .await;
        stories.push(story);
    }
    PostBuilder::draft("Unfinished").authors(&[&anna]).tags(&["Economy"]).create(&app.newsroom).await;
    PostBuilder::page("About us").authors(&[&anna]).create(&app.newsroom).await;
    let economy = db.tag_by_slug("economy").await.expect("tag").expect("exists");

    let titles = |page: &masthead_storage::Paginated<masthead_core::Post>| {
        (page.items.iter().map(|p| p.title.clone()).collect::<Vec<_>>(), page.total, page.pages)
    };
    let lists = [PostList::All, PostList::Tag(&economy.id), PostList::Author(&anna.id), PostList::Author(&boris.id)];
    for list in lists {
        for every in [1, 3, 4, 20] {
            let marks = db.list_marks(list, every).await.expect("marks");
            for limit in [1, 2, 4, 15] {
                let by_offset = db.published_posts(list, PageRequest::new(1, limit)).await.expect("first page");
                assert_eq!(marks.total, by_offset.total, "{list:?}: the marks count the list");
                for page in 1..=by_offset.pages + 1 {
                    let request = PageRequest::new(page, limit);
                    let expected = db.published_posts(list, request).await.expect("by offset");
                    let marked = db.published_posts_marked(list, request, &marks).await.expect("from a mark");
                    assert_eq!(titles(&marked), titles(&expected), "{list:?}, a mark every {every}, page {page} of {limit}");
                }
            }
        }
    }

    // A story at a mark is withdrawn before the marks are read again (another instance withdrew
    // it, and this one has not heard yet): the pages up to and from that mark are still right,
    // the withdrawn story is on none, and later pages are one story behind until the marks are
    // read again, as a kept page would be.
    let marks = db.list_marks(PostList::All, 3).await.expect("marks");
    // With a mark every three stories, the fourth in the list is the second mark.
    let fourth = db.published_posts(PostList::All, PageRequest::new(4, 1)).await.expect("fourth story");
    let mut withdrawn = stories.iter().find(|s| s.id == fourth.items[0].id).expect("one of the stories").clone();
    withdrawn.status = PostStatus::Draft;
    assert!(db.update_post(&withdrawn).await.expect("withdrawn"));
    for page in 1..=5 {
        let request = PageRequest::new(page, 2);
        let expected = db.published_posts(PostList::All, request).await.expect("by offset");
        let marked = db.published_posts_marked(PostList::All, request, &marks).await.expect("from a stale mark");
        if page <= 3 {
            let titles = |page: &masthead_storage::Paginated<masthead_core::Post>| page.items.iter().map(|p| p.title.clone()).collect::<Vec<_>>();
            assert_eq!(titles(&marked), titles(&expected), "page {page}");
        }
        assert!(!marked.items.iter().any(|p| p.id == withdrawn.id), "the withdrawn story is not shown");
    }
});
