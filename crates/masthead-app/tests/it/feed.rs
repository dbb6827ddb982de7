//! The live news feed and the editors' picks: who may post, what is checked, what readers and
//! integrations hear.

use std::time::Duration;

use masthead_app::integrations::webhooks::{WebhookInput, WebhookTargets};
use masthead_app::newsroom::feed::{FeedItemInput, Move};
use masthead_app::{AppError, ContentChange, Newsroom};
use masthead_core::{Actor, ObjectId, Role, SiteSettings};
use masthead_media::MediaStore;
use masthead_test_utils::{HttpRecorder, PostBuilder, StaffBuilder, dual_db_test};

fn newsroom(db: &masthead_test_utils::TestDb) -> (Newsroom, tempfile::TempDir) {
    let media = tempfile::tempdir().expect("media");
    let newsroom = Newsroom::new(db.db().clone(), MediaStore::local(media.path()).expect("media"))
        .with_webhook_targets(WebhookTargets::AllowPrivate);
    (newsroom, media)
}

fn item(headline: &str) -> FeedItemInput {
    FeedItemInput {
        headline: headline.into(),
        body: "Sirens in the east of the city.".into(),
        ..FeedItemInput::default()
    }
}

async fn actor(newsroom: &Newsroom, name: &str, role: Role) -> Actor {
    let email = format!("{}@news.example.org", name.to_lowercase().replace(' ', "."));
    let user = newsroom.add_staff(name, &email, role, Some("a long enough secret")).await.expect("staff");
    Actor { user_id: user.id, role }
}

dual_db_test!(async fn editors_post_and_authors_only_where_the_site_allows(db) {
    let (newsroom, _media) = newsroom(&db);
    let editor = actor(&newsroom, "Olena Editor", Role::Editor).await;
    let author = actor(&newsroom, "Anna Author", Role::Author).await;
    let contributor = actor(&newsroom, "Carl Contributor", Role::Contributor).await;

    let posted = newsroom.post_feed_item(&editor, item("Air raid alert in Kyiv")).await.expect("editors post");
    assert_eq!(posted.author_name.as_deref(), Some("Olena Editor"));
    assert!(matches!(newsroom.post_feed_item(&author, item("x")).await, Err(AppError::Forbidden(_))));
    assert!(matches!(newsroom.post_feed_item(&contributor, item("x")).await, Err(AppError::Forbidden(_))));

    let owner = actor(&newsroom, "Owner", Role::Owner).await;
    let settings = SiteSettings { feed_authors_may_post: true, ..db.site_settings().await.expect("settings") };
    newsroom.save_settings(&owner, &settings).await.expect("save");
    let own = newsroom.post_feed_item(&author, item("Power back in Podil")).await.expect("authors may now");
    assert!(matches!(newsroom.post_feed_item(&contributor, item("x")).await, Err(AppError::Forbidden(_))));
    // Authors change their own items only, and never pin.
    let editors_item = ObjectId::parse(&posted.id).expect("id");
    assert!(matches!(newsroom.delete_feed_item(&author, &editors_item).await, Err(AppError::Forbidden(_))));
    let pinned = FeedItemInput { pinned: true, ..item("Pinned by an author") };
    assert!(matches!(newsroom.post_feed_item(&author, pinned).await, Err(AppError::Forbidden(_))));
    let own_id = ObjectId::parse(&own.id).expect("id");
    // An item an editor pinned stays pinned when its author corrects it (the form has no pin box).
    newsroom.pin_feed_item(&editor, &own_id, true).await.expect("editors pin");
    let corrected = newsroom.edit_feed_item(&author, &own_id, item("Power back in all of Podil")).await.expect("own item");
    assert!(corrected.pinned, "only editors pin and unpin");
    newsroom.delete_feed_item(&author, &own_id).await.expect("own item");
});

dual_db_test!(async fn bad_items_are_refused_with_the_field_and_the_reason(db) {
    let (newsroom, _media) = newsroom(&db);
    let editor = actor(&newsroom, "Olena Editor", Role::Editor).await;
    let reporter = StaffBuilder::new("Anna Field").create(&db).await;
    let draft = PostBuilder::draft("Not out yet").authors(&[&reporter]).create(&newsroom).await;
    let cases = [
        (FeedItemInput { headline: "  ".into(), ..item("") }, "headline", "needs a headline"),
        (item(&"x".repeat(161)), "headline", "at most 160"),
        (FeedItemInput { body: "y".repeat(5001), ..item("Long") }, "body", "at most 5000"),
        (FeedItemInput { post_id: Some("nope".into()), ..item("Link") }, "post_id", "no story"),
        (FeedItemInput { post_id: Some(draft.id.to_string()), ..item("Link") }, "post_id", "not published"),
        (FeedItemInput { image: Some("javascript:alert(1)".into()), ..item("Image") }, "image", "not a /path"),
        (FeedItemInput { image_credit: Some("AP".into()), ..item("Credit") }, "image_credit", "needs an image"),
    ];
    for (input, field, words) in cases {
        match newsroom.post_feed_item(&editor, input).await {
            Err(AppError::Invalid { field: f, message }) => {
                assert_eq!(f, field);
                assert!(message.contains(words), "{field}: {message}");
            }
            other => panic!("{field}: {other:?}"),
        }
    }
    assert_eq!(db.feed_item_count().await.expect("count"), 0, "nothing refused was stored");
});

dual_db_test!(async fn every_change_takes_the_next_revision_and_deletion_leaves_a_tombstone(db) {
    let (newsroom, _media) = newsroom(&db);
    let editor = actor(&newsroom, "Olena Editor", Role::Editor).await;
    let heard = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = heard.clone();
    newsroom.changes.subscribe(move |change| sink.lock().expect("lock").push(change.clone()));

    let first = newsroom.post_feed_item(&editor, item("First")).await.expect("post");
    let second = newsroom.post_feed_item(&editor, FeedItemInput { pinned: true, ..item("Second") }).await.expect("post");
    let first_id = ObjectId::parse(&first.id).expect("id");
    let edited = newsroom.edit_feed_item(&editor, &first_id, item("First, corrected")).await.expect("edit");
    assert!(edited.edited_at.is_some(), "readers see that it was updated");
    // Pinning the first unpins the second: each change has its own revision.
    newsroom.pin_feed_item(&editor, &first_id, true).await.expect("pin");
    newsroom.delete_feed_item(&editor, &first_id).await.expect("delete");

    let changes = db.feed_changes_since(0, 100).await.expect("changes");
    let revisions: Vec<i64> = changes.iter().map(|c| c.revision).collect();
    assert!(revisions.windows(2).all(|w| w[0] < w[1]), "{revisions:?}");
    assert_eq!(db.feed_revision().await.expect("revision"), 6, "post, post, edit, unpin, pin, delete");
    let tombstone = changes.iter().find(|c| c.id == first.id).expect("the first item's latest change");
    assert!(tombstone.is_deleted() && tombstone.headline.is_empty() && tombstone.body.is_empty(), "{tombstone:?}");
    let second_now = changes.iter().find(|c| c.id == second.id).expect("second");
    assert!(!second_now.pinned, "unpinned when the first was pinned");
    assert_eq!(db.feed_page(None, 10).await.expect("page").len(), 1, "a deleted item is not listed");
    assert!(matches!(newsroom.delete_feed_item(&editor, &first_id).await, Err(AppError::NotFound(_))));
    let heard = heard.lock().expect("lock");
    assert!(heard.contains(&ContentChange::FeedItem(first_id.clone())), "{heard:?}");
});

dual_db_test!(async fn integrations_hear_feed_items_added_edited_and_deleted(db) {
    let (newsroom, _media) = newsroom(&db);
    let editor = actor(&newsroom, "Olena Editor", Role::Editor).await;
    let owner = actor(&newsroom, "Owner", Role::Owner).await;
    let target = HttpRecorder::start().await;
    let integration = newsroom.add_integration("Wire", None).await.expect("integration");
    for event in ["feed_item.added", "feed_item.edited", "feed_item.deleted"] {
        let input = WebhookInput {
            event: Some(event.into()),
            target_url: Some(format!("{}/{event}", target.url())),
            integration_id: Some(integration.record.id.clone()),
            ..WebhookInput::default()
        };
        newsroom.add_webhook(&owner, input).await.expect("webhook");
    }
    let posted = newsroom.post_feed_item(&editor, item("Trains resume")).await.expect("post");
    let id = ObjectId::parse(&posted.id).expect("id");
    newsroom.edit_feed_item(&editor, &id, item("Trains resume from Lviv")).await.expect("edit");
    newsroom.delete_feed_item(&editor, &id).await.expect("delete");

    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while target.requests().len() < 3 && tokio::time::Instant::now() < deadline {
        if !newsroom.run_next_job("test").await.expect("job") {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    // Deliveries are independent jobs: they may arrive in any order.
    let requests = target.requests();
    let mut paths: Vec<&str> = requests.iter().map(|r| r.path.as_str()).collect();
    paths.sort_unstable();
    assert_eq!(paths, ["/feed_item.added", "/feed_item.deleted", "/feed_item.edited"]);
    let to = |path: &str| requests.iter().find(|r| r.path == path).expect("delivered");
    let added = to("/feed_item.added").json();
    assert_eq!(added["feed_item"]["current"]["headline"], "Trains resume");
    assert_eq!(added["feed_item"]["current"]["url"], format!("http://127.0.0.1:8080/news/{}/", posted.id));
    let edited = to("/feed_item.edited").json();
    assert_eq!(edited["feed_item"]["current"]["headline"], "Trains resume from Lviv");
    assert_eq!(edited["feed_item"]["previous"]["headline"], "Trains resume");
    assert_eq!(to("/feed_item.deleted").json()["feed_item"]["previous"]["id"], posted.id.as_str());
});

dual_db_test!(async fn picks_are_published_stories_in_the_editors_order(db) {
    let (newsroom, _media) = newsroom(&db);
    let editor = actor(&newsroom, "Olena Editor", Role::Editor).await;
    let author = actor(&newsroom, "Anna Author", Role::Author).await;
    let reporter = StaffBuilder::new("Anna Field").create(&db).await;
    let a = PostBuilder::published("Inside the bunker school").authors(&[&reporter]).create(&newsroom).await;
    let b = PostBuilder::published("The last train from Pokrovsk").authors(&[&reporter]).create(&newsroom).await;
    let draft = PostBuilder::draft("Unfinished").authors(&[&reporter]).create(&newsroom).await;

    newsroom.add_pick(&editor, a.id.as_str()).await.expect("pick");
    newsroom.add_pick(&editor, b.id.as_str()).await.expect("pick");
    assert!(matches!(newsroom.add_pick(&editor, a.id.as_str()).await, Err(AppError::Conflict(_))));
    assert!(matches!(newsroom.add_pick(&editor, draft.id.as_str()).await, Err(AppError::Invalid { .. })));
    assert!(matches!(newsroom.add_pick(&author, a.id.as_str()).await, Err(AppError::Forbidden(_))));
    assert_eq!(db.picks().await.expect("picks"), [a.id.to_string(), b.id.to_string()]);

    newsroom.move_pick(&editor, &b.id, Move::Up).await.expect("move");
    assert_eq!(db.picks().await.expect("picks"), [b.id.to_string(), a.id.to_string()]);
    newsroom.move_pick(&editor, &b.id, Move::Up).await.expect("already first: nothing to do");
    assert_eq!(db.picks().await.expect("picks"), [b.id.to_string(), a.id.to_string()]);
    newsroom.remove_pick(&editor, &b.id).await.expect("remove");
    assert_eq!(db.picks().await.expect("picks"), [a.id.to_string()]);
    // Deleting a story removes it from the picks.
    newsroom.delete_post(&a.id).await.expect("delete");
    assert!(db.picks().await.expect("picks").is_empty());
});
