//! Guest contributors: authors without accounts, kept in `users` with no email, role or
//! password (migration 0028).

use masthead_core::{ObjectId, Role, Slug, StaffUser};
use masthead_storage::{GuestDeletion, GuestProfile, SessionRecord, StorageError};
use masthead_test_utils::{PostBuilder, StaffBuilder, TestApp, TestDb, dual_db_test};
use time::Duration;

const STAFF_ID: &str = "5f0000000000000000000001";
const POST_ID: &str = "5f0000000000000000000002";

/// Rows as a newsroom had them before migration 0028: an owner with a password, a story they
/// wrote, a session, a reset link, an open editor and a saved revision. SQL, because the Rust
/// code writes today's schema.
const BEFORE_0028: &str = "
    INSERT INTO users (id, name, slug, email, status, bio, created_at, updated_at, role, password_hash)
    VALUES ('5f0000000000000000000001', 'Olga Owner', 'olga-owner', 'olga@news.example.org', 'active',
            'Runs the place.', '2024-05-01T10:00:00Z', '2024-05-01T10:00:00Z', 'owner', '$argon2id$stand-in');
    INSERT INTO posts (id, uuid, type, title, slug, html, plaintext, status, created_at, updated_at, published_at)
    VALUES ('5f0000000000000000000002', 'a2c4e6f8-0000-4000-8000-000000000002', 'post', 'Harbour reopens',
            'harbour-reopens', '<p>Boats.</p>', 'Boats.', 'published', '2024-05-01T10:00:00Z',
            '2024-05-01T10:00:00Z', '2024-05-01T10:00:00Z');
    INSERT INTO posts_authors (post_id, author_id, sort_order) VALUES ('5f0000000000000000000002', '5f0000000000000000000001', 0);
    INSERT INTO post_revisions (id, post_id, title, html, author_id, created_at)
    VALUES ('5f0000000000000000000003', '5f0000000000000000000002', 'Harbour', '<p>B.</p>', '5f0000000000000000000001', '2024-05-01T09:00:00Z');
";

async fn migration_keeps_every_staff_row_and_what_points_at_it(db: TestDb) {
    db.execute_raw(BEFORE_0028).await;
    let staff_id = ObjectId::parse(STAFF_ID).expect("id");
    let post_id = ObjectId::parse(POST_ID).expect("id");
    let now = masthead_core::now();
    let session = SessionRecord {
        id: "session-hash".into(),
        user_id: STAFF_ID.into(),
        created_at: now,
        last_seen_at: now,
        expires_at: now + Duration::days(1),
        ip: None,
        user_agent: None,
    };
    db.create_session(&session).await.expect("session");
    db.create_staff_token("reset-hash", "password_reset", Some(&staff_id), now + Duration::hours(1))
        .await
        .expect("token");
    db.mark_present(&post_id, &staff_id, now, now - Duration::hours(1)).await.expect("presence");

    db.migrate().await.expect("migration 0028 and any after it");

    // Nothing cascaded from rebuilding the table.
    let live =
        db.session_user("session-hash", now, now - Duration::days(30)).await.expect("read").expect("session kept");
    assert_eq!((live.user.name.as_str(), live.user.role, live.user.is_guest()), ("Olga Owner", Role::Owner, false));
    assert_eq!(live.user.email, "olga@news.example.org");
    assert!(db.staff_token_is_live("reset-hash", "password_reset", now).await.expect("token"), "reset link kept");
    assert_eq!(db.present(&post_id, now - Duration::minutes(1)).await.expect("presence"), vec![STAFF_ID.to_owned()]);
    assert_eq!(db.password_hash(&staff_id).await.expect("hash").as_deref(), Some("$argon2id$stand-in"));
    let post = db.post_by_id(&post_id).await.expect("read").expect("post");
    assert_eq!(post.authors.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), ["Olga Owner"], "authorship kept");
    let revisions = db.revisions(&post_id).await.expect("revisions");
    assert_eq!(revisions.first().and_then(|r| r.author_id.as_deref()), Some(STAFF_ID), "not set to NULL");
    assert_eq!(db.user_by_email("olga@news.example.org").await.expect("read").map(|u| u.id), Some(staff_id.clone()));

    // The rebuilt table still has its rules: one owner, unique slugs, search kept current.
    let second_owner = StaffUser {
        role: Role::Owner,
        ..StaffUser::new("Other", Slug::parse("other").expect("slug"), "o@news.example.org")
    };
    assert!(db.insert_user(&second_owner).await.is_err(), "users_single_owner is back");
    let guest = StaffUser::guest("Gita Guest", Slug::parse("gita-guest").expect("slug"));
    db.insert_user(&guest).await.expect("a guest needs no email");
    let same_slug = StaffUser::guest("Gita Again", Slug::parse("gita-guest").expect("slug"));
    assert!(matches!(db.insert_user(&same_slug).await, Err(StorageError::Conflict { .. })), "slugs stay unique");
    assert_eq!(db.staff().await.expect("staff").len(), 1, "a guest is not staff");
    db.delete_session("session-hash").await.expect("sign out");
}

#[tokio::test]
async fn migration_0028_keeps_staff_sessions_and_authorship_on_sqlite() {
    migration_keeps_every_staff_row_and_what_points_at_it(TestDb::sqlite_at(27).await).await;
}

#[tokio::test]
async fn migration_0028_keeps_staff_sessions_and_authorship_on_postgres() {
    let Some(db) = TestDb::postgres_at(27).await else { return };
    migration_keeps_every_staff_row_and_what_points_at_it(db).await;
}

dual_db_test!(async fn the_database_refuses_a_guest_with_an_account_and_staff_without_one(db) {
    let guest_with_email = StaffUser { email: "gita@example.org".into(), ..StaffUser::guest("Gita", Slug::parse("gita").expect("slug")) };
    assert!(db.insert_user(&guest_with_email).await.is_err(), "a guest has no email address");
    let staff_without_email = StaffUser::new("Nobody", Slug::parse("nobody").expect("slug"), "");
    assert!(db.insert_user(&staff_without_email).await.is_err(), "staff sign in with an email address");

    let guest = StaffUser::guest("Gita Guest", Slug::parse("gita-guest").expect("slug"));
    db.insert_user(&guest).await.expect("guest");
    assert!(db.set_password_hash(&guest.id, "$argon2id$x").await.is_err(), "a guest cannot be given a password");
    assert!(db.set_user_role(&guest.id, Role::Editor).await.is_err(), "nor a role");
    let stored = db.user_by_slug("gita-guest").await.expect("read").expect("guest");
    assert!(stored.is_guest() && stored.email.is_empty(), "{stored:?}");
    assert_eq!(db.user_by_email("").await.expect("read"), None, "no address finds a guest");
});

dual_db_test!(async fn guests_are_authors_but_not_staff_and_keep_their_stories(db) {
    let app = TestApp::new(&db).await;
    let editor = StaffBuilder::new("Edda Editor").create(&db).await;
    let guest = StaffUser { bio: Some("Writes op-eds.".into()), ..StaffUser::guest("Gita Guest", Slug::parse("gita-guest").expect("slug")) };
    db.insert_user(&guest).await.expect("guest");
    let idle = StaffUser::guest("Ivo Idle", Slug::parse("ivo-idle").expect("slug"));
    db.insert_user(&idle).await.expect("guest");
    PostBuilder::published("An op-ed").authors(&[&guest, &editor]).create(&app.newsroom).await;

    let names = |users: Vec<StaffUser>| users.into_iter().map(|u| u.name).collect::<Vec<_>>();
    assert_eq!(names(db.staff().await.expect("staff")), ["Edda Editor"]);
    assert_eq!(names(db.authors().await.expect("authors")), ["Edda Editor", "Gita Guest", "Ivo Idle"]);
    let guests = db.guests_with_story_counts().await.expect("guests");
    assert_eq!(guests.iter().map(|g| (g.author.name.as_str(), g.post_count)).collect::<Vec<_>>(), [("Gita Guest", 1), ("Ivo Idle", 0)]);
    assert!(db.authors_in_use().await.expect("in use").iter().any(|a| a.id == guest.id), "a guest with a story has an author page");

    let profile = GuestProfile {
        name: "Gita Guest-Writer".into(),
        slug: Slug::parse("gita").expect("slug"),
        bio: Some("Columnist.".into()),
        profile_image: None,
        website: Some("https://gita.example".into()),
        location: None,
        twitter: Some("@gita".into()),
        facebook: None,
    };
    assert!(db.update_guest(&guest.id, &profile).await.expect("update"));
    assert!(!db.update_guest(&editor.id, &profile).await.expect("update"), "staff profiles are not edited as guests");
    assert_eq!(db.user_by_slug("gita").await.expect("read").map(|u| u.name), Some("Gita Guest-Writer".into()));

    assert_eq!(db.delete_guest(&guest.id).await.expect("delete"), GuestDeletion::HasStories(1), "a byline is not taken away");
    assert_eq!(db.delete_guest(&editor.id).await.expect("delete"), GuestDeletion::NotFound, "staff are not deleted here");
    assert_eq!(db.delete_guest(&idle.id).await.expect("delete"), GuestDeletion::Deleted);
    assert_eq!(db.user_by_id(&idle.id).await.expect("read"), None);
    assert!(db.user_by_id(&guest.id).await.expect("read").is_some());
});
