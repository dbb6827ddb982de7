//! A member's history and the member emails queued with it.

use masthead_storage::MemberEmailSend;
use masthead_test_utils::{MemberBuilder, dual_db_test};
use time::Duration;

fn welcome(member: &str, key: Option<&str>) -> MemberEmailSend {
    MemberEmailSend {
        to: "ann@example.org".into(),
        subject: "Welcome".into(),
        text_body: "Hello".into(),
        deliver: true,
        once_key: key.map(str::to_owned),
        member_id: Some(member.to_owned()),
        detail: serde_json::json!({"email": "welcome"}),
    }
}

dual_db_test!(async fn history_lists_newest_first_and_keeps_the_detail(db) {
    let now = masthead_core::now();
    let member = MemberBuilder::new("ann@example.org").created_at(now - Duration::days(3)).create(&db).await;
    db.record_member_event_at(&member.id, "donation", &serde_json::json!({"amount": 500, "currency": "usd"}), now - Duration::days(1))
        .await
        .expect("event");
    // Three in the same second keep the order they were recorded in.
    for kind in ["subscription_started", "payment_failed", "subscription_canceled"] {
        db.record_member_event(&member.id, kind, &serde_json::json!({"tier": "Supporter"})).await.expect("event");
    }
    let history = db.member_history(&member.id).await.expect("history");
    let kinds: Vec<&str> = history.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["subscription_canceled", "payment_failed", "subscription_started", "donation", "signed_up"]);
    assert_eq!(history[3].detail["amount"], 500);
    assert_eq!(history[4].detail["source"], "test");
    let other = MemberBuilder::new("bob@example.org").create(&db).await;
    assert_eq!(db.member_history(&other.id).await.expect("history").len(), 1, "each member has their own");
    db.delete_member(&member.id).await.expect("delete");
    assert!(db.member_history(&member.id).await.expect("history").is_empty(), "a deleted member's history goes too");
});

dual_db_test!(async fn a_member_email_with_a_key_is_queued_once_with_its_history(db) {
    let member = MemberBuilder::new("ann@example.org").create(&db).await;
    let id = member.id.to_string();
    assert!(db.queue_member_email(&welcome(&id, Some("welcome:x"))).await.expect("queue"));
    assert!(!db.queue_member_email(&welcome(&id, Some("welcome:x"))).await.expect("queue again"), "the key was used");
    assert!(db.queue_member_email(&welcome(&id, None)).await.expect("no key"));
    assert!(db.queue_member_email(&welcome(&id, None)).await.expect("no key again"), "without a key, each is sent");
    let sent = db.member_history(&member.id).await.expect("history").iter().filter(|e| e.kind == "email_sent").count();
    assert_eq!(sent, 3);
    assert_eq!(db.outbox().await.expect("outbox").len(), 3);
});
