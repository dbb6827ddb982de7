//! Exporting as Ghost's JSON format, and the round trip: what one Masthead exports, another
//! imports unchanged.

use masthead_app::mail::newsletters::NewsletterInput;
use masthead_app::newsroom::guests::GuestInput;
use masthead_core::{Actor, Post, PostStatus, PostType, Role, StaffStatus, TagVisibility, Visibility};
use masthead_storage::Backend;
use masthead_test_utils::{PostBuilder, StaffBuilder, TestApp, TestDb, dual_db_test};
use time::Duration;
use time::macros::datetime;

const SITE: &str = "https://news.example.org";

async fn fresh_like(db: &TestDb) -> TestDb {
    match db.backend() {
        Backend::Sqlite => TestDb::sqlite().await,
        Backend::Postgres => TestDb::postgres().await.expect("PostgreSQL is up: the first database is on it"),
    }
}

/// The parts of a post the round trip must keep, with authors and tags in order.
fn essentials(post: &Post) -> impl PartialEq + std::fmt::Debug {
    (
        (post.id.clone(), post.uuid.clone(), post.post_type, post.title.clone(), post.slug.clone()),
        (post.status, post.visibility, post.featured, post.published_at, post.created_at),
        (post.html.clone(), post.plaintext.clone(), post.reading_time, post.custom_excerpt.clone()),
        (post.feature_image.clone(), post.feature_image_alt.clone(), post.feature_image_caption.clone()),
        (post.meta_title.clone(), post.og_title.clone(), post.canonical_url.clone()),
        post.authors.iter().map(|a| a.email.clone()).collect::<Vec<_>>(),
        post.tags.iter().map(|t| (t.slug.clone(), t.name.clone(), t.visibility)).collect::<Vec<_>>(),
    )
}

dual_db_test!(async fn an_export_imports_into_a_fresh_site_unchanged(db) {
    let app = TestApp::new(&db).await;
    let newsroom = &app.newsroom;
    let olga = newsroom.add_staff("Olga Owner", "olga@news.example.org", Role::Owner, Some("a long enough secret")).await.expect("owner");
    let anna = StaffBuilder::new("Anna Field").bio("Editor-in-chief.").create(&db).await;
    let boris = StaffBuilder::new("Boris Tkach").create(&db).await;
    let olena = StaffBuilder::new("Олена Коваль").create(&db).await;
    db.set_user_role(&anna.id, Role::Editor).await.expect("role");
    db.set_user_role(&boris.id, Role::Author).await.expect("role");

    PostBuilder::published("Night trains leave Kyiv")
        .authors(&[&boris, &anna, &olena])
        .tags(&["News", "Україна", "#front-page"])
        .markdown("Trains run [every night](/tag/news/).\n\n![Train](/content/images/train.jpg)")
        .feature_image("/content/images/hero.jpg", "A night train", "Photo: Anna & team", "Credit")
        .excerpt("The last trains out.")
        .published_at(datetime!(2024-03-01 09:30:00 UTC))
        .featured()
        .create(newsroom)
        .await;
    PostBuilder::page("About us").authors(&[&olga]).html("<p>Who we are. <em>Since 2014.</em></p>").create(newsroom).await;
    PostBuilder::draft("Київ: нічна зміна").authors(&[&olena]).tags(&["Україна"]).create(newsroom).await;
    let mut scheduled = PostBuilder::published("Budget vote")
        .authors(&[&anna, &boris])
        .tags(&["Economy", "#front-page"])
        .published_at(masthead_core::now() + Duration::days(3))
        .input();
    scheduled.status = PostStatus::Scheduled;
    scheduled.visibility = Visibility::Paid;
    newsroom.create_post(scheduled).await.expect("schedule");
    let owner = Actor { user_id: olga.id.clone(), role: Role::Owner };
    newsroom
        .save_newsletter(&owner, None, &NewsletterInput {
            name: "Morning Brief".into(),
            description: Some("The night's news at 7:00.".into()),
            sender_name: Some("Morning desk".into()),
            sender_email: Some("brief@news.example.org".into()),
            subscribe_on_signup: true,
            ..NewsletterInput::default()
        })
        .await
        .expect("newsletter");
    newsroom
        .save_newsletter(&owner, None, &NewsletterInput { name: "Weekly Archive".into(), archived: true, sort_order: 1, ..NewsletterInput::default() })
        .await
        .expect("newsletter");
    let mut settings = db.site_settings().await.expect("settings");
    settings.title = "The Night Desk".into();
    settings.navigation.push(masthead_core::NavigationItem { label: "About".into(), url: "/about/".into() });
    newsroom.save_settings(&owner, &settings).await.expect("settings");

    let export = newsroom.export_ghost(SITE).await.expect("export");

    // The file is Ghost's shape, holds no secrets, and names this site only by placeholder.
    assert_eq!(export["db"][0]["meta"]["version"], "6.0.0");
    let data = &export["db"][0]["data"];
    let tables: Vec<&str> = data.as_object().expect("data").keys().map(String::as_str).collect();
    assert_eq!(
        tables,
        [
            "benefits", "newsletters", "posts", "posts_authors", "posts_meta", "posts_products", "posts_tags", "products",
            "products_benefits",
            "roles", "roles_users", "settings", "tags", "users"
        ]
    );
    let text = export.to_string();
    assert!(!text.contains("password") && !text.contains("$argon2"), "no credentials");
    assert!(!text.contains("https://news.example.org"), "site URLs are placeholders");
    let navigation = data["settings"].as_array().expect("settings").iter().find(|s| s["key"] == "navigation").expect("navigation");
    let navigation = navigation["value"].as_str().expect("navigation is JSON text");
    assert!(navigation.contains(r#""url":"/about/""#), "navigation stays site-relative, as Ghost keeps it: {navigation}");
    let trains = data["posts"].as_array().expect("posts").iter().find(|p| p["slug"] == "night-trains-leave-kyiv").expect("exported");
    assert_eq!(
        trains["html"],
        "<p>Trains run <a href=\"__GHOST_URL__/tag/news/\">every night</a>.</p>\n\
         <p><img src=\"__GHOST_URL__/content/images/train.jpg\" alt=\"Train\"></p>\n"
    );
    assert_eq!(trains["published_at"], "2024-03-01T09:30:00.000Z");
    assert_eq!(trains["feature_image"], "__GHOST_URL__/content/images/hero.jpg");

    // Into a fresh site.
    let target_db = fresh_like(&db).await;
    let target = TestApp::new(&target_db).await;
    let bytes = serde_json::to_vec(&export).expect("serialise");
    let report = target.newsroom.import_ghost(&bytes, |_, _| {}).await.expect("import");
    assert!(report.problems().next().is_none(), "{:#?}", report.skipped);
    assert_eq!(report.counts("posts").created, 4);

    let mut source_posts = db.all_posts().await.expect("posts");
    let mut target_posts = target_db.all_posts().await.expect("posts");
    source_posts.sort_by(|a, b| a.slug.cmp(&b.slug));
    target_posts.sort_by(|a, b| a.slug.cmp(&b.slug));
    assert_eq!(target_posts.len(), 4);
    for (source, imported) in source_posts.iter().zip(&target_posts) {
        assert_eq!(essentials(imported), essentials(source), "{}", source.slug);
    }
    let page = target_posts.iter().find(|p| p.post_type == PostType::Page).expect("the page");
    assert_eq!(page.slug.as_str(), "about-us");
    let scheduled = target_posts.iter().find(|p| p.status == PostStatus::Scheduled).expect("scheduled");
    let jobs = target_db.jobs().await.expect("jobs");
    assert_eq!(jobs.len(), 1);
    assert_eq!((jobs[0].dedup_key.clone(), Some(jobs[0].run_at)), (Some(format!("publish:{}", scheduled.id)), scheduled.published_at));

    let tag_view = |db: &TestDb| {
        let db = db.db().clone();
        async move {
            db.tags_with_counts().await.expect("tags").into_iter().map(|t| (t.tag.id, t.tag.slug, t.tag.name, t.tag.visibility)).collect::<Vec<_>>()
        }
    };
    let tags = tag_view(&target_db).await;
    assert_eq!(tags, tag_view(&db).await);
    assert!(tags.iter().any(|(_, slug, name, visibility)| slug.as_str() == "hash-front-page" && name == "#front-page" && *visibility == TagVisibility::Internal));

    let staff_view = |staff: Vec<masthead_core::StaffUser>| {
        staff.into_iter().map(|u| (u.id, u.email, u.name, u.slug, u.role, u.bio)).collect::<Vec<_>>()
    };
    let target_staff = target_db.staff().await.expect("staff");
    assert_eq!(staff_view(target_staff.clone()), staff_view(db.staff().await.expect("staff")));
    for user in &target_staff {
        let expected = if user.role == Role::Owner { StaffStatus::Invited } else { StaffStatus::Suspended };
        assert_eq!(user.status, expected, "{}", user.name);
    }

    let newsletter_view = |list: Vec<masthead_core::Newsletter>| {
        list.into_iter()
            .map(|n| (n.id, n.uuid, n.slug, n.name, n.description, n.sender_name, n.sender_email, n.sender_reply_to, n.status, n.subscribe_on_signup, n.sort_order))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        newsletter_view(target_db.newsletters(true).await.expect("newsletters")),
        newsletter_view(db.newsletters(true).await.expect("newsletters"))
    );
    assert_eq!(target_db.site_settings().await.expect("settings"), db.site_settings().await.expect("settings"));
    target_db.finish().await;
});

dual_db_test!(async fn a_guest_contributor_comes_back_as_a_guest_with_their_byline(db) {
    let app = TestApp::new(&db).await;
    let newsroom = &app.newsroom;
    let olga = newsroom.add_staff("Olga Owner", "olga@news.example.org", Role::Owner, Some("a long enough secret")).await.expect("owner");
    let owner = Actor { user_id: olga.id.clone(), role: Role::Owner };
    let gita = newsroom
        .add_guest(&owner, &GuestInput {
            name: "Gita Guest".into(),
            slug: "gita-guest".into(),
            bio: "Writes op-eds from Lviv.".into(),
            profile_image: "/content/images/2026/12/gita.jpg".into(),
            website: "https://gita.example.org".into(),
            ..GuestInput::default()
        })
        .await
        .expect("guest");
    let story = PostBuilder::published("Why the night trains matter").authors(&[&gita, &olga]).create(newsroom).await;

    let export = newsroom.export_ghost(SITE).await.expect("export");

    // Ghost needs an address for every user and has no guests: a suspended contributor at an
    // address that can never receive mail.
    let data = &export["db"][0]["data"];
    let user = data["users"].as_array().expect("users").iter().find(|u| u["slug"] == "gita-guest").expect("the guest is exported");
    assert_eq!(user["email"], "gita-guest@guest.invalid");
    assert_eq!(user["status"], "inactive");
    assert_eq!(user["profile_image"], "__GHOST_URL__/content/images/2026/12/gita.jpg");
    let role_id = data["roles_users"].as_array().expect("roles_users").iter().find(|l| l["user_id"] == gita.id.as_str()).expect("a role")["role_id"].clone();
    let role = data["roles"].as_array().expect("roles").iter().find(|r| r["id"] == role_id).expect("the role");
    assert_eq!(role["name"], "Contributor");

    let target_db = fresh_like(&db).await;
    let target = TestApp::new(&target_db).await;
    let bytes = serde_json::to_vec(&export).expect("serialise");
    let report = target.newsroom.import_ghost(&bytes, |_, _| {}).await.expect("import");
    assert!(report.problems().next().is_none(), "{:#?}", report.skipped);

    let guest = target_db.user_by_slug("gita-guest").await.expect("read").expect("imported");
    assert!(guest.is_guest(), "a guest, not a suspended contributor: {guest:?}");
    assert_eq!((guest.id.clone(), guest.name.as_str(), guest.email.as_str()), (gita.id.clone(), "Gita Guest", ""));
    assert_eq!(guest.bio.as_deref(), Some("Writes op-eds from Lviv."));
    assert_eq!(guest.website.as_deref(), Some("https://gita.example.org"));
    assert_eq!(guest.profile_image.as_deref(), Some("/content/images/2026/12/gita.jpg"));
    // No account: not staff, no address, role or password (storage refuses to read a guest
    // with a role), and no way to sign in as them.
    assert!(target_db.staff().await.expect("staff").iter().all(|u| u.slug.as_str() != "gita-guest"));
    assert_eq!(target_db.password_hash(&guest.id).await.expect("read"), None);
    for email in ["gita-guest@guest.invalid", ""] {
        assert!(target.newsroom.sign_in(email, "a long enough secret", "client").await.is_err(), "{email:?}");
    }
    assert!(target.newsroom.set_password(&guest.id, "a long enough secret").await.is_err());

    // Still the byline, first.
    let imported = target_db.all_posts().await.expect("posts").into_iter().find(|p| p.id == story.id).expect("the story");
    assert_eq!(imported.status, PostStatus::Published);
    assert_eq!(imported.authors.iter().map(|a| a.id.clone()).collect::<Vec<_>>(), [gita.id.clone(), olga.id.clone()]);
    assert!(imported.authors[0].is_guest());

    // Importing the file again keeps the one guest.
    let again = target.newsroom.import_ghost(&bytes, |_, _| {}).await.expect("import again");
    assert!(again.problems().next().is_none(), "{:#?}", again.skipped);
    let guests: Vec<_> = target_db.authors().await.expect("authors").into_iter().filter(|a| a.is_guest()).collect();
    assert_eq!(guests.len(), 1, "{guests:?}");
    target_db.finish().await;
});
