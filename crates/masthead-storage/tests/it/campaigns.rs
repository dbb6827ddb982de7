//! Goal campaigns keep a count of their metric; a recount writes only the numbers that changed,
//! so a recount that changed nothing is not announced to the other instances.

use std::time::Duration;

use masthead_core::{Campaign, CampaignMetric, MemberStatus, ObjectId, WhenReached};
use masthead_storage::{Announced, CampaignContent, Db, Heard};
use masthead_test_utils::{MemberBuilder, dual_db_test};
use time::OffsetDateTime;
use time::macros::datetime;

fn content(metric: CampaignMetric, target: i64) -> CampaignContent {
    CampaignContent {
        name: format!("{} goal", metric.as_str()),
        metric,
        counts_since: None,
        currency: None,
        target,
        starts_at: datetime!(2026-03-01 00:00 UTC),
        ends_at: None,
        headline: "Help us reach the goal".into(),
        body: String::new(),
        button_label: "Join".into(),
        button_url: "/subscribe/".into(),
        show_strip: true,
        show_in_article: true,
        active: true,
        when_reached: WhenReached::Thank,
        thank_you: String::new(),
    }
}

async fn create(db: &Db, content: CampaignContent) -> ObjectId {
    let id = ObjectId::new();
    db.insert_campaign(&id, &content).await.expect("insert campaign");
    id
}

async fn current(db: &Db, id: &ObjectId) -> i64 {
    db.campaign(id).await.expect("read").expect("campaign").current
}

/// The test's "now": inside every campaign's window.
fn now() -> OffsetDateTime {
    masthead_core::now()
}

dual_db_test!(async fn every_metric_is_counted_and_a_no_op_recount_changes_nothing(db) {
    let members = create(&db, content(CampaignMetric::Members, 20_000)).await;
    let paid = create(&db, content(CampaignMetric::PaidMembers, 100)).await;
    let since = datetime!(2026-02-01 00:00 UTC);
    let new = create(&db, CampaignContent { counts_since: Some(since), ..content(CampaignMetric::NewMembers, 50) }).await;
    let euros = create(&db, CampaignContent { currency: Some("EUR".into()), ..content(CampaignMetric::Amount, 500_000) }).await;

    assert!(!db.recount_campaigns(now()).await.expect("recount"), "nothing to count yet");
    MemberBuilder::new("old@example.org").created_at(datetime!(2026-01-15 12:00 UTC)).create(&db).await;
    MemberBuilder::new("free@example.org").created_at(datetime!(2026-02-10 12:00 UTC)).create(&db).await;
    MemberBuilder::new("paid@example.org").status(MemberStatus::Paid).create(&db).await;
    MemberBuilder::new("comped@example.org").status(MemberStatus::Comped).create(&db).await;
    // Donations are recorded by the payment webhooks; here, rows as they leave them. A euro
    // donation before the campaign started, two during it (one partly refunded), one in dollars.
    db.execute_raw(
        "INSERT INTO donations (id, checkout_session_id, amount, currency, refunded_amount, created_at) VALUES \
         ('d1', 'cs_1', 10000, 'eur', 0, '2026-02-01T00:00:00Z'), \
         ('d2', 'cs_2', 2500, 'eur', 0, '2026-04-01T00:00:00Z'), \
         ('d3', 'cs_3', 5000, 'EUR', 1500, '2026-05-01T00:00:00Z'), \
         ('d4', 'cs_4', 9900, 'usd', 0, '2026-05-01T00:00:00Z')",
    )
    .await;

    assert!(db.recount_campaigns(now()).await.expect("recount"), "the counts changed");
    assert_eq!(current(&db, &members).await, 4, "every member");
    assert_eq!(current(&db, &paid).await, 2, "paid and complimentary members");
    assert_eq!(current(&db, &new).await, 3, "members who joined since counts_since");
    assert_eq!(current(&db, &euros).await, 2500 + 5000 - 1500, "euro donations since the start, net of refunds");
    let counted_at = db.campaign(&members).await.expect("read").expect("campaign").counted_at;
    assert!(counted_at.is_some());

    assert!(!db.recount_campaigns(now()).await.expect("recount"), "a recount with nothing new changes nothing");
    let again = db.campaign(&members).await.expect("read").expect("campaign");
    assert_eq!((again.current, again.counted_at), (4, counted_at), "the row was not written");

    // Campaigns switched off or over are left as they are.
    let off = create(&db, CampaignContent { active: false, ..content(CampaignMetric::Members, 10) }).await;
    let over = create(
        &db,
        CampaignContent { ends_at: Some(datetime!(2026-03-02 00:00 UTC)), ..content(CampaignMetric::Members, 10) },
    )
    .await;
    db.recount_campaigns(now()).await.expect("recount");
    assert_eq!((current(&db, &off).await, current(&db, &over).await), (0, 0));
});

dual_db_test!(async fn campaigns_are_stored_edited_listed_and_deleted(db) {
    let id = create(&db, content(CampaignMetric::Members, 20_000)).await;
    let later = create(
        &db,
        CampaignContent { starts_at: datetime!(2026-03-05 00:00 UTC), ..content(CampaignMetric::Members, 10) },
    )
    .await;
    let future = create(&db, CampaignContent { starts_at: now() + time::Duration::days(3), ..content(CampaignMetric::Members, 10) }).await;
    let stored: Campaign = db.campaign(&id).await.expect("read").expect("stored");
    assert_eq!((stored.metric, stored.target, stored.current), (CampaignMetric::Members, 20_000, 0));
    assert_eq!(stored.starts_at, datetime!(2026-03-01 00:00 UTC));

    let running: Vec<String> = db.running_campaigns(now()).await.expect("running").into_iter().map(|c| c.id).collect();
    assert_eq!(running, [later.to_string(), id.to_string()], "started ones, the latest start first");
    assert_eq!(db.campaigns().await.expect("all").len(), 3);

    let edited = CampaignContent { headline: "Reach 25,000".into(), target: 25_000, ..content(CampaignMetric::Members, 1) };
    assert!(db.update_campaign(&id, &edited).await.expect("update"));
    let stored = db.campaign(&id).await.expect("read").expect("stored");
    assert_eq!((stored.headline.as_str(), stored.target), ("Reach 25,000", 25_000));
    assert!(!db.update_campaign(&ObjectId::new(), &edited).await.expect("update"), "no such campaign");

    assert!(db.delete_campaign(&future).await.expect("delete"));
    assert!(!db.delete_campaign(&future).await.expect("delete"), "already gone");
    assert!(db.campaign(&future).await.expect("read").is_none());
});

dual_db_test!(async fn only_a_recount_that_changed_a_number_is_announced(db) {
    let other = db.reopen().await;
    let Some(mut listener) = other.change_listener().await.expect("listen") else {
        return; // SQLite: one process, nothing to announce.
    };
    create(&db, content(CampaignMetric::Members, 100)).await;
    let heard = tokio::time::timeout(Duration::from_secs(10), listener.next(Duration::from_millis(100))).await;
    assert_eq!(heard.ok(), Some(Heard::Change(Announced::Campaigns)), "a new campaign is announced");

    MemberBuilder::new("reader@example.org").create(&db).await;
    // Members are not announced themselves: skip anything else the insert announced.
    while tokio::time::timeout(Duration::from_millis(300), listener.next(Duration::from_millis(100))).await.is_ok() {}
    assert!(db.recount_campaigns(now()).await.expect("recount"));
    let heard = tokio::time::timeout(Duration::from_secs(10), listener.next(Duration::from_millis(100))).await;
    assert_eq!(heard.ok(), Some(Heard::Change(Announced::Campaigns)), "a changed count is announced");

    assert!(!db.recount_campaigns(now()).await.expect("recount"));
    let heard = tokio::time::timeout(Duration::from_millis(700), listener.next(Duration::from_millis(100))).await;
    assert!(heard.is_err(), "a recount that changed nothing is not announced: {heard:?}");
});
