//! Membership goal campaigns: who may manage them, what is checked, and how the count is kept
//! (membership changes ask for a recount; a recount that changed a number is announced).

use std::sync::{Arc, Mutex};

use masthead_app::members::admin::MemberInput;
use masthead_app::newsroom::campaigns::{CampaignForm, CampaignInput};
use masthead_app::{AppError, ContentChange, Newsroom};
use masthead_core::{Actor, CampaignMetric, MemberStatus, ObjectId, Role};
use masthead_media::MediaStore;
use masthead_test_utils::{MemberBuilder, dual_db_test};

fn newsroom(db: &masthead_test_utils::TestDb) -> (Newsroom, tempfile::TempDir) {
    let media = tempfile::tempdir().expect("media");
    (Newsroom::new(db.db().clone(), MediaStore::local(media.path()).expect("media")), media)
}

async fn actor(newsroom: &Newsroom, name: &str, role: Role) -> Actor {
    let email = format!("{}@news.example.org", name.to_lowercase().replace(' ', "."));
    let user = newsroom.add_staff(name, &email, role, Some("a long enough secret")).await.expect("staff");
    Actor { user_id: user.id, role }
}

fn input(metric: &str, target: &str) -> CampaignInput {
    let form = CampaignForm {
        metric: metric.into(),
        target: target.into(),
        headline: "Help us reach the goal".into(),
        button_label: "Join".into(),
        button_url: "https://news.example.org/membership/".into(),
        show_strip: true,
        active: true,
        ..CampaignForm::default()
    };
    CampaignInput::parse(&form, &jiff::tz::TimeZone::UTC).expect("valid")
}

/// Every campaign change published on the bus.
fn heard(newsroom: &Newsroom) -> Arc<Mutex<usize>> {
    let count: Arc<Mutex<usize>> = Arc::default();
    let counter = count.clone();
    newsroom.changes.subscribe(move |change| {
        if *change == ContentChange::Campaigns {
            *counter.lock().expect("lock") += 1;
        }
    });
    count
}

dual_db_test!(async fn only_editors_and_above_manage_campaigns(db) {
    let (newsroom, _media) = newsroom(&db);
    let heard = heard(&newsroom);
    let author = actor(&newsroom, "Anna Author", Role::Author).await;
    let contributor = actor(&newsroom, "Carl Contributor", Role::Contributor).await;
    let editor = actor(&newsroom, "Olena Editor", Role::Editor).await;
    let admin = actor(&newsroom, "Ada Min", Role::Administrator).await;
    for refused in [&author, &contributor] {
        assert!(matches!(newsroom.create_campaign(refused, input("members", "10")).await, Err(AppError::Forbidden(_))));
    }
    assert!(newsroom.db().campaigns().await.expect("list").is_empty());
    assert_eq!(*heard.lock().expect("lock"), 0, "nothing changed, nothing announced");

    let campaign = newsroom.create_campaign(&editor, input("members", "10")).await.expect("editors may");
    let id = ObjectId::parse(&campaign.id).expect("id");
    assert_eq!(*heard.lock().expect("lock"), 1, "pages showing campaigns are refreshed");
    assert!(matches!(newsroom.edit_campaign(&author, &id, input("members", "20")).await, Err(AppError::Forbidden(_))));
    assert!(matches!(newsroom.delete_campaign(&author, &id).await, Err(AppError::Forbidden(_))));
    let edited = newsroom.edit_campaign(&admin, &id, input("paid_members", "20")).await.expect("administrators may");
    assert_eq!((edited.metric, edited.target), (CampaignMetric::PaidMembers, 20));
    newsroom.delete_campaign(&editor, &id).await.expect("delete");
    assert!(matches!(newsroom.delete_campaign(&editor, &id).await, Err(AppError::NotFound(_))));
    assert_eq!(*heard.lock().expect("lock"), 3);
});

dual_db_test!(async fn membership_changes_are_counted_and_only_real_changes_announced(db) {
    let (newsroom, _media) = newsroom(&db);
    let editor = actor(&newsroom, "Olena Editor", Role::Editor).await;
    let admin = actor(&newsroom, "Ada Min", Role::Administrator).await;
    MemberBuilder::new("early@example.org").create(&db).await;
    let all = newsroom.create_campaign(&editor, input("members", "20,000")).await.expect("create");
    let paid = newsroom.create_campaign(&editor, input("paid_members", "500")).await.expect("create");
    assert_eq!(all.current, 1, "counted when created");
    let heard = heard(&newsroom);
    let count = |id: &str| {
        let newsroom = newsroom.clone();
        let id = ObjectId::parse(id).expect("id");
        async move { newsroom.db().campaign(&id).await.expect("read").expect("campaign").current }
    };

    assert!(!newsroom.recount_campaigns_now().await.expect("recount"), "nothing new");
    assert_eq!(*heard.lock().expect("lock"), 0, "a no-op recount is not announced");

    let added = newsroom
        .add_member_as(&admin, MemberInput { email: Some("reader@example.org".into()), ..MemberInput::default() }, "test")
        .await
        .expect("add");
    assert!(newsroom.recount_campaigns_now().await.expect("recount"));
    assert_eq!((count(&all.id).await, count(&paid.id).await), (2, 0));
    assert_eq!(*heard.lock().expect("lock"), 1);

    // A status change counts towards paid goals.
    let comped = MemberInput { status: Some(MemberStatus::Comped), ..MemberInput::default() };
    newsroom.edit_member_as(&admin, &added.id, comped).await.expect("edit");
    assert!(newsroom.recount_campaigns_now().await.expect("recount"));
    assert_eq!((count(&all.id).await, count(&paid.id).await), (2, 1));

    newsroom.delete_member_as(&admin, &added.id).await.expect("delete");
    assert!(newsroom.recount_campaigns_now().await.expect("recount"));
    assert_eq!((count(&all.id).await, count(&paid.id).await), (1, 0));

    // A CSV import counts too.
    let report = newsroom
        .import_members_csv(&admin, "email,name\nimported@example.org,Imported\nsecond@example.org,Second\n", None)
        .await
        .expect("import");
    assert_eq!(report.imported, 2);
    assert!(newsroom.recount_campaigns_now().await.expect("recount"));
    assert_eq!(count(&all.id).await, 3);
});

dual_db_test!(async fn the_counter_recounts_soon_after_a_burst_of_changes(db) {
    let (newsroom, _media) = newsroom(&db);
    let editor = actor(&newsroom, "Olena Editor", Role::Editor).await;
    let campaign = newsroom.create_campaign(&editor, input("members", "100")).await.expect("create");
    let id = ObjectId::parse(&campaign.id).expect("id");
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let counter = tokio::spawn({
        let newsroom = newsroom.clone();
        async move { newsroom.run_campaign_counter(stopped).await }
    });
    // Members added behind the use cases' back (as another instance would): only the nudge
    // tells this counter, long before its 30-second round.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    for n in 0..5 {
        MemberBuilder::new(&format!("burst{n}@example.org")).create(&db).await;
        newsroom.membership_changed();
    }
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while newsroom.db().campaign(&id).await.expect("read").expect("campaign").current != 5 {
        assert!(tokio::time::Instant::now() < deadline, "not recounted within ten seconds");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let _ = stop.send(true);
    tokio::time::timeout(std::time::Duration::from_secs(5), counter).await.expect("stops").expect("task");
});

#[test]
fn bad_input_is_refused_field_by_field() {
    let form = CampaignForm {
        metric: "new_members".into(),
        target: "0".into(),
        headline: String::new(),
        button_label: "Join".into(),
        button_url: "ftp://example.org".into(),
        ..CampaignForm::default()
    };
    let errors = CampaignInput::parse(&form, &jiff::tz::TimeZone::UTC).expect_err("refused");
    assert_eq!(errors.get("target"), Some("The goal must be more than 0."));
    assert_eq!(errors.get("headline"), Some("A campaign needs a headline."));
    assert_eq!(errors.get("counts_since"), Some("A new-members goal needs the date new members count from."));
    assert!(errors.get("button_url").is_some_and(|m| m.contains("\"ftp://example.org\"")));
    assert_eq!(errors.get("metric"), None);
    let error: AppError = errors.into();
    assert!(matches!(error, AppError::Invalid { field: "target", .. }), "the first, for the APIs");
}
