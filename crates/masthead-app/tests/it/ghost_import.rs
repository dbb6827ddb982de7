//! Importing Ghost's JSON export: the hand-written fixtures in `tests/fixtures/ghost/` are in
//! Ghost's raw-row format (one HTML-bodied with deliberately broken rows, one Lexical in the bare
//! `{meta, data}` envelope, one Mobiledoc from Ghost 3).

use std::sync::Mutex;

use masthead_app::Newsroom;
use masthead_app::ghost::import::{ImportError, ImportReport, TableCounts};
use masthead_core::{NavigationItem, Post, PostStatus, PostType, Role, StaffStatus, TagVisibility, Visibility};
use masthead_test_utils::{TestApp, dual_db_test};
use time::macros::datetime;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/ghost/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"))
}

async fn import(newsroom: &Newsroom, name: &str) -> ImportReport {
    newsroom.import_ghost(&fixture(name), |_, _| {}).await.expect("the file imports")
}

async fn post(newsroom: &Newsroom, post_type: PostType, slug: &str) -> Post {
    newsroom
        .db()
        .post_by_slug(post_type, slug)
        .await
        .expect("read")
        .unwrap_or_else(|| panic!("{post_type} {slug} exists"))
}

fn slugs<T>(items: &[T], slug: impl Fn(&T) -> &str) -> Vec<String> {
    items.iter().map(|i| slug(i).to_owned()).collect()
}

fn counts(created: usize, updated: usize, skipped: usize) -> TableCounts {
    TableCounts { created, updated, skipped }
}

fn problems(report: &ImportReport) -> Vec<String> {
    report.problems().map(ToString::to_string).collect()
}

const HTML_EXPORT_PROBLEMS: [&str; 5] = [
    "users row 3 (not-an-email): \"not-an-email\" is not an email address",
    "tags row 3 (empty-name): field \"name\" is missing or empty",
    "posts row 5 (bad-status): field \"status\": \"bogus\" is not published, draft, scheduled or sent",
    "posts row 6 (bad-date): field \"published_at\": \"yesterday\" is not a date and time (use 2024-03-01 09:30:00 or ISO 8601)",
    "posts row 7 (bad-lexical): lexical is not valid JSON: key must be a string at line 1 column 2",
];

dual_db_test!(async fn an_html_export_imports_every_valid_row_in_order(db) {
    let app = TestApp::new(&db).await;
    let seen = Mutex::new(Vec::new());
    let report = app
        .newsroom
        .import_ghost(&fixture("html-export.json"), |done, total| seen.lock().expect("lock").push((done, total)))
        .await
        .expect("imports");

    assert_eq!(report.ghost_version.as_deref(), Some("5.96.0"));
    assert_eq!(report.counts("users"), counts(3, 0, 1));
    assert_eq!(report.counts("tags"), counts(4, 0, 1));
    assert_eq!(report.counts("newsletters"), counts(2, 0, 0));
    assert_eq!(report.counts("posts"), counts(7, 0, 3));
    assert_eq!(report.counts("settings"), counts(0, 7, 0));
    assert_eq!(report.counts("products"), counts(1, 0, 0));
    assert_eq!(problems(&report), HTML_EXPORT_PROBLEMS);
    let supporter = app.newsroom.db().tier_by_slug("supporter").await.expect("read").expect("the tier came across");
    assert_eq!((supporter.monthly_price, supporter.currency.as_ref().map(|c| c.as_str())), (Some(500), Some("eur")));
    let seen = seen.into_inner().expect("lock");
    assert_eq!(seen.first(), Some(&(0, 31)), "users 4 + tags 5 + newsletters 2 + posts 10 + settings 9 + products 1");
    assert_eq!(seen.last(), Some(&(31, 31)));
    assert_eq!(seen.len(), 32);

    // A multi-author post: ids kept, authors and tags in sort_order, URLs resolved, sanitised.
    let trains = post(&app.newsroom, PostType::Post, "night-trains-leave-kyiv").await;
    assert_eq!(trains.id.as_str(), "6600000000000000000000b1");
    assert_eq!(trains.uuid, "0b5e3c1a-1111-4a1a-9a1a-000000000001");
    assert_eq!(trains.title, "Night trains leave Kyiv");
    assert_eq!(trains.status, PostStatus::Published);
    assert_eq!(trains.published_at, Some(datetime!(2024-03-01 09:30:00 UTC)));
    assert_eq!(trains.created_at, datetime!(2024-02-29 18:00:00 UTC));
    assert_eq!(trains.updated_at, datetime!(2024-03-01 10:00:00 UTC));
    assert!(trains.featured);
    assert_eq!(trains.visibility, Visibility::Public);
    assert_eq!(
        trains.html,
        "<p>Trains run <a href=\"/tag/news/\">every night</a>.</p>\
         <p><img src=\"/content/images/2024/03/train.jpg\" alt=\"Train\"></p>"
    );
    assert_eq!(trains.plaintext, "Trains run every night.");
    assert_eq!(slugs(&trains.authors, |a| a.slug.as_str()), ["boris", "anna-field"]);
    assert_eq!(slugs(&trains.tags, |t| t.slug.as_str()), ["news", "україна", "hash-front-page"]);
    assert_eq!(trains.tags[2].visibility, TagVisibility::Internal);
    assert_eq!(trains.feature_image.as_deref(), Some("/content/images/2024/03/hero.jpg"));
    assert_eq!(trains.feature_image_alt.as_deref(), Some("A night train at the platform"));
    assert_eq!(trains.feature_image_caption.as_deref(), Some("Photo: Anna Field & team"));
    assert_eq!(trains.custom_excerpt.as_deref(), Some("The last trains out before the curfew."));
    assert_eq!(trains.meta_title.as_deref(), Some("Night trains | Night Desk"));
    assert_eq!(trains.meta_description.as_deref(), Some("How the last trains left."));
    assert_eq!(trains.og_title.as_deref(), Some("Night trains, on social"));
    assert_eq!(trains.twitter_image.as_deref(), Some("/content/images/2024/03/tw.jpg"));
    assert_eq!(trains.twitter_description.as_deref(), Some("The last trains out."));
    let source = db.post_import_source(&trains.id).await.expect("read").expect("the original is kept");
    assert_eq!(source.format, "html");
    assert!(source.source.starts_with("<p>Trains run <a href=\"__GHOST_URL__/tag/news/\">"), "{}", source.source);

    let about = post(&app.newsroom, PostType::Page, "about").await;
    assert_eq!(about.html, "<p>About the newsroom.</p>", "the script is gone");
    assert_eq!(slugs(&about.authors, |a| a.slug.as_str()), ["anna-field"]);

    let draft = post(&app.newsroom, PostType::Post, "київ-нічна-зміна").await;
    assert_eq!((draft.title.as_str(), draft.status, draft.visibility), ("Київ: нічна зміна", PostStatus::Draft, Visibility::Members));
    assert_eq!(draft.published_at, None);
    assert_eq!(slugs(&draft.authors, |a| a.slug.as_str()), ["олена-коваль"]);
    assert_eq!(slugs(&draft.tags, |t| t.slug.as_str()), ["україна"]);

    let budget = post(&app.newsroom, PostType::Post, "budget-vote").await;
    assert_eq!(budget.status, PostStatus::Scheduled);
    assert_eq!(budget.published_at, Some(datetime!(2099-06-01 08:00:00 UTC)));
    assert_eq!(slugs(&budget.authors, |a| a.slug.as_str()), ["boris", "олена-коваль"]);
    assert_eq!(slugs(&budget.tags, |t| t.slug.as_str()), ["economy", "hash-front-page"]);
    let jobs = db.jobs().await.expect("jobs");
    assert_eq!(jobs.len(), 1, "only the future scheduled post gets a job");
    assert_eq!(jobs[0].dedup_key.as_deref(), Some("publish:6600000000000000000000b4"));
    assert_eq!(jobs[0].run_at, datetime!(2099-06-01 08:00:00 UTC));

    assert_eq!(post(&app.newsroom, PostType::Post, "email-only-dispatch").await.status, PostStatus::Sent);
    let legacy = post(&app.newsroom, PostType::Post, "legacy-single-author").await;
    assert_eq!(slugs(&legacy.authors, |a| a.slug.as_str()), ["олена-коваль"]);
    let stale = post(&app.newsroom, PostType::Post, "stale-schedule").await;
    assert_eq!((stale.status, stale.published_at), (PostStatus::Draft, Some(datetime!(2020-01-01 00:00:00 UTC))));

    // No newsletter was chosen for any imported post, so nothing can ever be emailed by it.
    assert!(db.emails(50).await.expect("emails").is_empty());
    for slug in ["budget-vote", "email-only-dispatch"] {
        let p = post(&app.newsroom, PostType::Post, slug).await;
        assert_eq!(db.post_newsletter(&p.id).await.expect("read"), None, "{slug}");
    }
    assert!(db.outbox().await.expect("outbox").is_empty(), "no mail of any kind");

    // Staff: matched by email, roles from roles_users, no password, no access until reinstated.
    let anna = db.user_by_email("anna@news.example.org").await.expect("read").expect("anna");
    assert_eq!((anna.role, anna.status), (Role::Owner, StaffStatus::Invited), "the site had no owner");
    assert_eq!(anna.id.as_str(), "6500000000000000000000a1");
    assert_eq!(anna.profile_image.as_deref(), Some("/content/images/anna.jpg"));
    assert_eq!(anna.bio.as_deref(), Some("Editor-in-chief."));
    let boris = db.user_by_email("boris@news.example.org").await.expect("read").expect("boris, email lower-cased");
    assert_eq!((boris.role, boris.status), (Role::Editor, StaffStatus::Suspended));
    let olena = db.user_by_email("olena@news.example.org").await.expect("read").expect("olena");
    assert_eq!((olena.name.as_str(), olena.role, olena.status), ("Олена Коваль", Role::Author, StaffStatus::Suspended));
    for user in [&anna, &boris, &olena] {
        assert_eq!(db.password_hash(&user.id).await.expect("read"), None, "{} has no usable password", user.name);
    }

    let tags = db.tags_with_counts().await.expect("tags");
    assert_eq!(slugs(&tags, |t| t.tag.slug.as_str()), ["hash-front-page", "economy", "news", "україна"]);
    let ukraine = db.tag_by_slug("україна").await.expect("read").expect("tag");
    assert_eq!((ukraine.name.as_str(), ukraine.accent_color.as_deref()), ("Україна", Some("#0057b7")));
    let economy = db.tag_by_slug("economy").await.expect("read").expect("tag");
    assert_eq!(economy.og_title.as_deref(), Some("Economy, on social"), "a tag's social fields are kept");

    let newsletters = db.newsletters(true).await.expect("newsletters");
    assert_eq!(slugs(&newsletters, |n| n.slug.as_str()), ["morning-brief", "weekly-archive"]);
    let brief = &newsletters[0];
    assert_eq!(brief.id.as_str(), "6600000000000000000000c1");
    assert_eq!(
        (brief.name.as_str(), brief.description.as_deref(), brief.sender_name.as_deref(), brief.sender_email.as_deref()),
        ("Morning Brief", Some("The night's news at 7:00."), Some("Morning desk"), Some("brief@news.example.org"))
    );
    assert_eq!((brief.sender_reply_to.as_deref(), brief.subscribe_on_signup, brief.sort_order), (None, true, 0));
    let weekly = &newsletters[1];
    assert_eq!((weekly.status.as_str(), weekly.subscribe_on_signup, weekly.sort_order), ("archived", false, 1));

    let settings = db.site_settings().await.expect("settings");
    assert_eq!(settings.title, "The Night Desk");
    assert_eq!(settings.description, "News from Kyiv after dark.");
    assert_eq!(settings.accent_color, "#1a2b3c");
    assert_eq!(settings.timezone.as_str(), "Europe/Kyiv");
    assert_eq!(settings.locale, "uk");
    assert_eq!(settings.twitter.as_deref(), Some("@nightdesk"));
    assert_eq!(
        settings.navigation,
        [
            NavigationItem { label: "Home".into(), url: "/".into() },
            NavigationItem { label: "About".into(), url: "/about/".into() },
        ]
    );

    let warnings: Vec<String> = report.warnings.iter().map(ToString::to_string).collect();
    for expected in [
        "users row 0 (anna@news.example.org): becomes this site's owner, invited (no password): request a password reset to sign in",
        "users: 2 new staff accounts were created suspended, with no password: an administrator reinstates each one, who then chooses a password through \"Forgot your password?\"",
        "newsletters row 1 (weekly-archive): replies went to Ghost's support address; they now go to the sender",
        "posts row 0 (night-trains-leave-kyiv): the feature image caption was HTML; its text was kept",
        "posts row 0 (night-trains-leave-kyiv): author \"ffffffffffffffffffffffff\" (posts_authors row 2) is not among the imported staff; left out",
        "posts row 0 (night-trains-leave-kyiv): tag \"6a00000000000000000000a4\" (posts_tags row 3) is not among the imported tags; left out",
        "posts row 1 (about): not kept, Masthead has no field for them: codeinjection_head",
        "posts row 3 (budget-vote): was to be emailed to a newsletter when published; choose the newsletter again in the editor",
        "posts row 4 (email-only-dispatch): not kept, Masthead has no field for them: email_subject",
        "posts row 9 (stale-schedule): was scheduled for 2020-01-01T00:00:00.000Z, which has passed; imported as a draft so nothing goes live unreviewed",
        "settings: 2 settings have no Masthead equivalent and were not imported: members_signup_access, codeinjection_head",
        "custom_theme_settings: 1 rows not imported: Masthead has no equivalent of this table",
    ] {
        assert!(warnings.iter().any(|w| w == expected), "missing warning {expected:?} in {warnings:#?}");
    }
    assert!(!warnings.iter().any(|w| w.starts_with("tags row 4")), "nothing of the economy tag is dropped: {warnings:#?}");
});

dual_db_test!(async fn importing_the_same_file_again_creates_nothing(db) {
    let app = TestApp::new(&db).await;
    import(&app.newsroom, "html-export.json").await;
    let before = (db.count_posts().await.expect("count"), db.staff().await.expect("staff").len());
    let again = import(&app.newsroom, "html-export.json").await;
    for table in ["users", "tags", "newsletters", "posts", "settings", "products"] {
        let c = again.counts(table);
        assert_eq!((c.created, c.updated), (0, 0), "{table}: {c:?}");
    }
    assert_eq!(again.counts("posts"), counts(0, 0, 10));
    assert_eq!(again.counts("users"), counts(0, 0, 4));
    assert_eq!(again.counts("settings"), counts(0, 0, 7));
    assert_eq!(problems(&again), HTML_EXPORT_PROBLEMS, "the same broken rows, nothing else");
    let present = again.skipped.iter().find(|s| s.key.as_deref() == Some("night-trains-leave-kyiv")).expect("reported");
    assert!(present.already_present);
    assert_eq!(present.reason, "already present: a post with this slug exists and is kept as it is");
    assert_eq!((db.count_posts().await.expect("count"), db.staff().await.expect("staff").len()), before);
    assert_eq!(before, (7, 3));
    assert_eq!(db.tags_with_counts().await.expect("tags").len(), 4);
    assert_eq!(db.newsletters(true).await.expect("newsletters").len(), 2);
    assert_eq!(db.jobs().await.expect("jobs").len(), 1, "the scheduled post still has exactly one job");
});

dual_db_test!(async fn the_files_owner_joins_as_administrator_when_the_site_has_one(db) {
    let app = TestApp::new(&db).await;
    let olga = app.newsroom.add_staff("Olga Owner", "olga@news.example.org", Role::Owner, Some("a long enough secret")).await.expect("owner");
    let report = import(&app.newsroom, "html-export.json").await;
    let anna = db.user_by_email("anna@news.example.org").await.expect("read").expect("anna");
    assert_eq!((anna.role, anna.status), (Role::Administrator, StaffStatus::Suspended));
    assert_eq!(db.owner().await.expect("read").map(|o| o.id), Some(olga.id));
    assert!(report.warnings.iter().any(|w| w.reason == "the file's owner becomes an administrator: this site already has an owner"));
});

dual_db_test!(async fn an_existing_account_is_matched_by_email_and_left_alone(db) {
    let app = TestApp::new(&db).await;
    let boris = app.newsroom.add_staff("Boris T.", "boris@news.example.org", Role::Author, Some("a long enough secret")).await.expect("boris");
    let report = import(&app.newsroom, "html-export.json").await;
    let after = db.user_by_email("boris@news.example.org").await.expect("read").expect("boris");
    assert_eq!((after.id, after.role, after.status, after.name.as_str()), (boris.id.clone(), Role::Author, StaffStatus::Active, "Boris T."));
    let trains = post(&app.newsroom, PostType::Post, "night-trains-leave-kyiv").await;
    assert_eq!(trains.authors[0].id, boris.id, "the file's posts are credited to the existing account");
    let skip = report.skipped.iter().find(|s| s.table == "users" && s.row == Some(1)).expect("reported");
    assert_eq!(skip.reason, "already present: a staff account with this email exists and is kept as it is (role author, status active)");
});

dual_db_test!(async fn a_file_that_is_not_json_or_not_ghost_is_one_clear_error(db) {
    let app = TestApp::new(&db).await;
    let broken = app.newsroom.import_ghost(b"{\"db\": [", |_, _| {}).await;
    assert!(
        matches!(&broken, Err(ImportError::InvalidJson { line: 1, column: 8, .. })),
        "{broken:?}"
    );
    let other = app.newsroom.import_ghost(br#"{"posts": []}"#, |_, _| {}).await;
    assert_eq!(
        other.map(|_| ()).map_err(|e| e.to_string()),
        Err("the file is not a Ghost export: there is no \"data\" object: this is not a Ghost export".into())
    );
    assert_eq!(db.count_posts().await.expect("count"), 0);
});

dual_db_test!(async fn a_file_on_disk_imports_as_its_bytes_do_whatever_the_order_of_its_tables(db) {
    let app = TestApp::new(&db).await;
    // The same export with the link tables first and the posts last.
    let original: serde_json::Value = serde_json::from_slice(&fixture("html-export.json")).expect("json");
    let tables = original["db"][0]["data"].as_object().expect("tables");
    let mut reordered = String::from(r#"{"db": [{"meta": {"version": "5.96.0"}, "data": {"#);
    let mut names: Vec<&String> = tables.keys().filter(|name| *name != "posts").collect();
    names.push(tables.keys().find(|name| *name == "posts").expect("posts"));
    for (i, name) in names.into_iter().enumerate() {
        if i > 0 {
            reordered.push_str(",\n");
        }
        reordered.push_str(&format!("{}: {}", serde_json::json!(name), serde_json::to_string_pretty(&tables[name]).expect("json")));
    }
    reordered.push_str("}}]}");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("export.json");
    std::fs::write(&path, &reordered).expect("write");

    let seen = Mutex::new(Vec::new());
    let report = app
        .newsroom
        .import_ghost_file(&path, |done, total| seen.lock().expect("lock").push((done, total)))
        .await
        .expect("imports");
    assert_eq!(report.counts("posts"), counts(7, 0, 3));
    assert_eq!(report.counts("users"), counts(3, 0, 1));
    assert_eq!(problems(&report), HTML_EXPORT_PROBLEMS);
    let seen = seen.into_inner().expect("lock");
    assert_eq!((seen.first(), seen.last(), seen.len()), (Some(&(0, 31)), Some(&(31, 31)), 32));
    let trains = post(&app.newsroom, PostType::Post, "night-trains-leave-kyiv").await;
    assert_eq!(slugs(&trains.authors, |a| a.slug.as_str()), ["boris", "anna-field"]);
    assert_eq!(slugs(&trains.tags, |t| t.slug.as_str()), ["news", "україна", "hash-front-page"]);
    assert_eq!(trains.meta_title.as_deref(), Some("Night trains | Night Desk"), "posts_meta came first");

    // The same file again, from its bytes this time: the same rows are found present.
    let again = app.newsroom.import_ghost(reordered.as_bytes(), |_, _| {}).await.expect("imports");
    assert_eq!(again.counts("posts"), counts(0, 0, 10));
    assert_eq!(problems(&again), HTML_EXPORT_PROBLEMS);

    let missing = app.newsroom.import_ghost_file(&dir.path().join("missing.json"), |_, _| {}).await;
    assert!(matches!(&missing, Err(ImportError::Unreadable(_))), "{missing:?}");
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{\"db\": [").expect("write");
    let broken = app.newsroom.import_ghost_file(&broken, |_, _| {}).await;
    assert!(matches!(&broken, Err(ImportError::InvalidJson { line: 1, column: 8, .. })), "{broken:?}");
});

dual_db_test!(async fn many_posts_are_written_in_batches_with_every_row_reported_in_order(db) {
    let app = TestApp::new(&db).await;
    let mut posts: Vec<serde_json::Value> = (0..450)
        .map(|n| {
            serde_json::json!({
                "id": format!("6700000000000000{n:08x}"),
                "uuid": format!("00000000-0000-4000-8000-{n:012x}"),
                "title": format!("Dispatch {n}"),
                "slug": format!("dispatch-{n}"),
                "html": format!("<p>Dispatch number {n}.</p>"),
                "status": "published",
                "published_at": "2024-03-01T09:30:00.000Z",
            })
        })
        .collect();
    // The same slug twice within a batch and across batches, an id and a uuid used twice, a
    // row that is not an object and one that is wrong.
    posts[12]["slug"] = "dispatch-10".into();
    posts[300]["slug"] = "dispatch-5".into();
    posts[20]["id"] = posts[19]["id"].clone();
    posts[21]["uuid"] = posts[19]["uuid"].clone();
    posts[100] = serde_json::json!(7);
    posts[420]["status"] = "bogus".into();
    let links: Vec<serde_json::Value> = (0..450)
        .map(|n| serde_json::json!({"post_id": format!("6700000000000000{n:08x}"), "author_id": "1"}))
        .collect();
    let export = serde_json::json!({"db": [{"meta": {"version": "6.0.0"}, "data": {
        "posts": posts,
        "posts_authors": links,
        "users": [{"id": "1", "name": "Anna Field", "email": "anna@news.example.org"}],
    }}]});
    let seen = Mutex::new(Vec::new());
    let report = app
        .newsroom
        .import_ghost(export.to_string().as_bytes(), |done, _| seen.lock().expect("lock").push(done))
        .await
        .expect("imports");
    assert_eq!(report.counts("posts"), counts(446, 0, 4));
    assert_eq!(
        problems(&report),
        [
            "posts row 100: the row is a number, not an object",
            "posts row 420 (dispatch-420): field \"status\": \"bogus\" is not published, draft, scheduled or sent",
        ]
    );
    let present: Vec<String> =
        report.skipped.iter().filter(|s| s.already_present).map(|s| format!("{:?} {:?}", s.row, s.key)).collect();
    assert_eq!(present, ["Some(12) Some(\"dispatch-10\")", "Some(300) Some(\"dispatch-5\")"]);
    assert_eq!(seen.into_inner().expect("lock"), (0..=451).collect::<Vec<u64>>(), "one step per row, in order");
    assert_eq!(db.count_posts().await.expect("count"), 446);
    let twin = post(&app.newsroom, PostType::Post, "dispatch-20").await;
    assert_ne!(twin.id.as_str(), "670000000000000000000013", "the id was taken by the row before");
    let other = post(&app.newsroom, PostType::Post, "dispatch-21").await;
    assert_ne!(other.uuid, "00000000-0000-4000-8000-000000000013", "the uuid was taken by the row before");
    assert_eq!(post(&app.newsroom, PostType::Post, "dispatch-449").await.authors[0].name, "Anna Field");
});

dual_db_test!(async fn a_lexical_export_is_rendered_and_sanitised(db) {
    let app = TestApp::new(&db).await;
    let report = import(&app.newsroom, "lexical-export.json").await;
    assert_eq!(report.ghost_version.as_deref(), Some("5.101.0"));
    assert_eq!(report.counts("posts"), counts(1, 0, 0));
    let power = post(&app.newsroom, PostType::Post, "power-returns-to-kharkiv").await;
    assert_eq!(
        power.html,
        "<p>Power is back in <strong>most</strong> districts, <em>officials say</em>\
         <a href=\"/map/\">see the map</a>.</p>\
         <h2 id=\"what-we-know\">What we know</h2>\
         <figure class=\"kg-card kg-image-card kg-width-wide kg-card-hascaption\">\
         <img src=\"/content/images/2024/11/grid.jpg\" class=\"kg-image\" alt=\"Repair crews at a substation\" \
         loading=\"lazy\" width=\"1600\" height=\"900\" srcset=\"/content/images/size/w480/2024/11/grid.jpg 480w, \
         /content/images/size/w960/2024/11/grid.jpg 960w, /content/images/size/w1440/2024/11/grid.jpg 1440w, \
         /content/images/2024/11/grid.jpg 1600w\" sizes=\"(min-width: 1200px) 1200px\">\
         <figcaption><span>Crews at work</span></figcaption></figure>\
         <p>Live outage map</p>\
         <blockquote>We will not be in the dark forever.</blockquote>\
         <ul><li>Saltivka</li><li>Kholodna Hora<br>from 18:00</li></ul>\
         <p>Figures from <strong>Kharkivoblenergo</strong>.</p>\n\
         <pre><code class=\"language-javascript\">if (power) { charge(); }</code></pre>\
         <div class=\"kg-card kg-callout-card kg-callout-card-yellow\"><div class=\"kg-callout-emoji\">⚠️</div>\
         <div class=\"kg-callout-text\">Shelters are open all night.</div></div>\
         <div class=\"kg-card kg-button-card kg-align-center\">\
         <a href=\"/support/\" class=\"kg-btn kg-btn-accent\">Support our reporting</a></div>\
         <figure class=\"kg-card kg-bookmark-card\"><a class=\"kg-bookmark-container\" href=\"https://example.org/grid-report\">\
         <div class=\"kg-bookmark-content\"><div class=\"kg-bookmark-title\">Grid report</div>\
         <div class=\"kg-bookmark-description\">The operator's daily figures.</div>\
         <div class=\"kg-bookmark-metadata\"><img class=\"kg-bookmark-icon\" src=\"https://example.org/favicon.ico\" alt=\"\">\
         <span class=\"kg-bookmark-author\">Example</span></div></div></a></figure>\
         <figure class=\"kg-card kg-embed-card kg-card-hascaption\">\
         <p><a href=\"https://video.example.org/watch/42\">Night repairs</a></p><figcaption>Filmed on Tuesday</figcaption></figure>\
         <p>Why now? Because the frost is coming.</p>\
         <hr>"
    );
    assert!(!power.html.contains("<script") && !power.html.contains("steal"), "the html card's script is gone");
    assert_eq!(power.canonical_url.as_deref(), Some("/power-returns-to-kharkiv/"));
    assert_eq!(slugs(&power.authors, |a| a.slug.as_str()), ["mykola"]);
    assert_eq!(db.post_import_source(&power.id).await.expect("read").map(|s| s.format), Some("lexical".into()));
    let kept = power.lexical.as_deref().expect("the document is kept for the editor");
    assert!(kept.contains("\"/content/images/2024/11/grid.jpg\""), "its addresses resolved: {kept}");
    assert!(!kept.contains("__GHOST_URL__"));
    let warnings: Vec<String> = report.warnings.iter().map(ToString::to_string).collect();
    assert!(warnings.contains(&"posts row 0 (power-returns-to-kharkiv): Lexical node \"toggle\" is not supported; its text was kept".to_owned()), "{warnings:#?}");
});

dual_db_test!(async fn a_mobiledoc_export_is_rendered_and_sanitised(db) {
    let app = TestApp::new(&db).await;
    let report = import(&app.newsroom, "mobiledoc-export.json").await;
    assert_eq!(report.counts("posts"), counts(1, 0, 0));
    assert!(report.problems().next().is_none(), "{:?}", report.skipped);
    let diary = post(&app.newsroom, PostType::Post, "winter-blackout-diary").await;
    assert_eq!(
        diary.html,
        "<h2>Day three</h2>\
         <p>The lights went out at <strong>six</strong>. Read the \
         <a href=\"/blackouts/\">schedule</a>.<br><em>Written by candlelight.</em></p>\
         <figure><img src=\"/content/images/2021/01/candles.jpg\" alt=\"Candles on a kitchen table\"><figcaption>Day 3</figcaption></figure>\
         <blockquote>Nobody complains any more.</blockquote>\
         <ol><li>Fill the bath</li><li>Charge the phones</li></ol>\
         <div>Rota: <b>4 hours on</b></div>\
         <ul>\n<li>torch</li>\n<li>batteries</li>\n</ul>\n\
         <pre><code>echo \"off\" &gt; /dev/grid</code></pre>\
         <hr>"
    );
    assert_eq!(diary.meta_title.as_deref(), Some("Blackout diary, day three"), "Ghost 3 kept SEO fields on the post row");
    assert_eq!(diary.og_title.as_deref(), Some("A diary by candlelight"));
    assert_eq!(slugs(&diary.tags, |t| t.slug.as_str()), ["diary"]);
    let iryna = db.user_by_email("iryna@news.example.org").await.expect("read").expect("iryna");
    assert_eq!((iryna.role, iryna.status), (Role::Contributor, StaffStatus::Suspended));
    assert_eq!(diary.authors[0].id, iryna.id);
    // Ghost's formula (words at 275 a minute, rounded down): a few lines read in under a minute.
    assert_eq!(diary.reading_time, 0);
});

dual_db_test!(async fn ghosts_paywall_card_keeps_marking_the_public_preview(db) {
    let app = TestApp::new(&db).await;
    let paragraph = |text: &str| {
        serde_json::json!({"type": "paragraph", "children": [{"type": "extended-text", "text": text, "format": 0}]})
    };
    let lexical = serde_json::json!({"root": {"type": "root", "children": [
        paragraph("The opening anyone may read."),
        {"type": "paywall", "version": 1},
        paragraph("What members read."),
    ]}});
    let mobiledoc = serde_json::json!({
        "version": "0.3.1", "atoms": [], "markups": [], "cards": [["paywall", {}]],
        "sections": [[1, "p", [[0, [], 0, "A paid opening."]]], [10, 0], [1, "p", [[0, [], 0, "What paying members read."]]]]
    });
    let row = |n: u8, slug: &str, visibility: &str, body: (&str, String)| {
        let mut row = serde_json::json!({
            "id": format!("6720000000000000000000b{n}"), "uuid": format!("4b5e3c1a-4444-4a1a-9a1a-00000000000{n}"),
            "title": slug, "slug": slug, "type": "post", "status": "published", "visibility": visibility,
            "created_at": "2024-11-01 08:00:00", "updated_at": "2024-11-01 08:00:00", "published_at": "2024-11-01 08:00:00",
        });
        row[body.0] = serde_json::Value::String(body.1);
        row
    };
    let authors: Vec<serde_json::Value> = (1..=3)
        .map(|n| {
            serde_json::json!({
                "id": format!("6720000000000000000000a{n}"), "post_id": format!("6720000000000000000000b{n}"),
                "author_id": "672000000000000000000011", "sort_order": 0
            })
        })
        .collect();
    let export = serde_json::json!({"meta": {"exported_on": 1730448000000u64, "version": "5.101.0"}, "data": {
        "posts": [
            row(1, "lexical-preview", "members", ("lexical", lexical.to_string())),
            row(2, "mobiledoc-preview", "paid", ("mobiledoc", mobiledoc.to_string())),
            row(3, "html-preview", "members", ("html", "<p>Open.</p><!--members-only--><p>Closed.</p>".to_owned())),
        ],
        "users": [{"id": "672000000000000000000011", "name": "Iryna Bondar", "slug": "iryna", "email": "iryna@news.example.org",
                   "status": "active", "created_at": "2020-06-01 00:00:00", "updated_at": "2020-06-01 00:00:00"}],
        "posts_authors": authors,
    }});
    let report = app.newsroom.import_ghost(export.to_string().as_bytes(), |_, _| {}).await.expect("imports");
    assert_eq!(report.counts("posts"), counts(3, 0, 0), "{:?}", problems(&report));

    let lexical = post(&app.newsroom, PostType::Post, "lexical-preview").await;
    assert_eq!(lexical.html, "<p>The opening anyone may read.</p><!--members-only--><p>What members read.</p>");
    assert_eq!(lexical.visibility, Visibility::Members);
    let mobiledoc = post(&app.newsroom, PostType::Post, "mobiledoc-preview").await;
    assert_eq!(mobiledoc.html, "<p>A paid opening.</p><!--members-only--><p>What paying members read.</p>");
    assert_eq!(mobiledoc.visibility, Visibility::Paid);
    let html = post(&app.newsroom, PostType::Post, "html-preview").await;
    assert_eq!(html.html, "<p>Open.</p><!--members-only--><p>Closed.</p>");
    // The plain text (for search and reading time) is the whole story; readers without access
    // get only the opening.
    assert_eq!(lexical.plaintext, "The opening anyone may read.\n\nWhat members read.");
    let seen = masthead_render::gating::seen_by(&lexical, masthead_core::Reader::Anonymous);
    assert_eq!((seen.post.html.as_str(), seen.access), ("<p>The opening anyone may read.</p>", false));
});

dual_db_test!(async fn addresses_a_page_must_not_show_are_left_out_and_reported(db) {
    let app = TestApp::new(&db).await;
    let report = import(&app.newsroom, "unsafe-urls.json").await;
    let refused: Vec<String> = report
        .warnings
        .iter()
        .chain(report.problems())
        .map(ToString::to_string)
        .filter(|l| l.contains(" address"))
        .collect();
    assert_eq!(
        refused,
        [
            r#"users row 0 (vera@example.org): field "profile_image": "data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=" is not a /path or an http(s) address; left out"#,
            r#"users row 0 (vera@example.org): field "website": "javascript:alert('website')" is not a /path or an http(s) address; left out"#,
            r#"users row 0 (vera@example.org): field "facebook": "javascript:alert('facebook')" is not a handle or an http(s) address; left out"#,
            r#"tags row 0 (cities): field "feature_image": "JaVaScRiPt:alert('tag')" is not a /path or an http(s) address; left out"#,
            r#"posts row 0 (trams-return): field "feature_image": "java\tscript:alert('feature')" is not a /path or an http(s) address; left out"#,
            r#"posts row 0 (trams-return): field "og_image": "data:image/png;base64,iVBORw0KGgo=" is not a /path or an http(s) address; left out"#,
            r#"posts row 0 (trams-return): field "canonical_url": "vbscript:msgbox('canonical')" is not a /path or an http(s) address; left out"#,
            r#"settings row 4 (navigation): link "Free prize" left out: "javascript:alert(document.cookie)" is not a /path or an http(s) address"#,
            r#"settings row 5 (secondary_navigation): link "Tip us" left out: "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==" is not a /path or an http(s) address"#,
            r#"settings row 1 (logo): "javascript:alert('logo')" is not a /path or an http(s) address; the setting was left as it was"#,
            r#"settings row 2 (icon): "data:image/x-icon;base64,AAAB" is not a /path or an http(s) address; the setting was left as it was"#,
            r#"settings row 7 (facebook): "javascript:alert('fb')" is not a handle or an http(s) address; the setting was left as it was"#,
        ]
    );

    // The rest of each row is kept.
    let db = &app.db;
    let vera = db.user_by_email("vera@example.org").await.expect("read").expect("imported");
    assert_eq!((vera.website.as_deref(), vera.profile_image.as_deref(), vera.facebook.as_deref()), (None, None, None));
    assert_eq!(vera.cover_image.as_deref(), Some("/content/images/vera-cover.jpg"));
    assert_eq!((vera.twitter.as_deref(), vera.bio.as_deref()), (Some("@veralink"), Some("Writes about cities.")));
    let tag = db.tag_by_slug("cities").await.expect("read").expect("imported");
    assert_eq!((tag.name.as_str(), tag.feature_image.as_deref()), ("Cities", None));
    let trams = post(&app.newsroom, PostType::Post, "trams-return").await;
    assert_eq!((trams.feature_image.as_deref(), trams.og_image.as_deref(), trams.canonical_url.as_deref()), (None, None, None));
    assert_eq!(trams.twitter_image.as_deref(), Some("/content/images/trams-tw.jpg"));
    assert_eq!(trams.og_title.as_deref(), Some("Trams are back"));
    let settings = db.site_settings().await.expect("settings");
    assert_eq!((settings.title.as_str(), settings.logo.as_deref(), settings.icon.as_deref()), ("The River Bank", None, None));
    assert_eq!(settings.cover_image.as_deref(), Some("/content/images/cover.jpg"));
    let nav = |items: &[NavigationItem]| items.iter().map(|i| format!("{} {}", i.label, i.url)).collect::<Vec<_>>();
    assert_eq!(nav(&settings.navigation), ["Home /", "Archive /archive/"]);
    assert_eq!(nav(&settings.secondary_navigation), ["Sister site https://sister.example.org/"]);
    assert_eq!((settings.twitter.as_deref(), settings.facebook.as_deref()), (Some("@riverbank"), None));

    // Nothing executable reached storage...
    let stored = format!("{vera:?}{tag:?}{trams:?}{settings:?}").to_lowercase();
    for scheme in ["script:", "data:"] {
        assert!(!stored.contains(scheme), "{scheme} in storage: {stored}");
    }
    // ...or the site.
    let article = app.get("/trams-return/").await;
    assert_eq!(article.status, 200);
    for page in ["/", "/trams-return/", "/tag/cities/", "/author/vera-link/", "/rss/"] {
        let html = app.get(page).await.text().to_lowercase();
        for scheme in ["script:", "data:"] {
            assert!(!html.contains(scheme), "{scheme} on {page}");
        }
    }
});
