//! Members created many at a time (the CSV import): whole or not at all.

use masthead_core::{MemberStatus, ObjectId, SuppressionReason};
use masthead_storage::{NewMember, StorageError};
use masthead_test_utils::{MemberBuilder, NewsletterBuilder, dual_db_test};
use time::macros::datetime;

fn new_member(email: &str, labels: &[&str]) -> NewMember {
    NewMember {
        email: email.to_owned(),
        name: Some(format!("Reader {email}")),
        note: None,
        status: MemberStatus::Free,
        labels: labels.iter().map(|l| (*l).to_owned()).collect(),
        consent_source: "import".into(),
        consent_ip: None,
        created_at: datetime!(2026-11-29 10:00 UTC),
    }
}

dual_db_test!(async fn a_batch_creates_each_member_with_labels_newsletters_and_history(db) {
    let daily = NewsletterBuilder::new("Daily").create(&db).await;
    let weekly = NewsletterBuilder::new("Weekly").create(&db).await;
    // More members than one statement takes, so the batch spans several statements.
    let mut batch: Vec<(NewMember, Vec<ObjectId>)> = (0..450)
        .map(|i| (new_member(&format!("reader{i:03}@example.org"), &["Fair 2026"]), vec![daily.id.clone()]))
        .collect();
    batch[7] = (new_member("both@example.org", &["VIP", "Fair 2026"]), vec![daily.id.clone(), weekly.id.clone()]);
    batch[300] = (new_member("none@example.org", &[]), vec![]);
    assert_eq!(db.insert_members(&batch).await.expect("insert"), 450);
    assert_eq!(db.member_count().await.expect("count"), 450);

    let both = db.member_by_email("both@example.org").await.expect("read").expect("created");
    let labels: Vec<&str> = both.labels.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(labels, ["VIP", "Fair 2026"], "labels keep their order");
    let mut newsletters = both.newsletters.clone();
    newsletters.sort();
    assert_eq!(newsletters, ["daily", "weekly"]);
    assert_eq!(both.created_at, datetime!(2026-11-29 10:00 UTC));
    assert_eq!(both.name.as_deref(), Some("Reader both@example.org"));
    let history = db.member_history(&both.id).await.expect("history");
    assert_eq!(history.len(), 1);
    assert_eq!((history[0].kind.as_str(), &history[0].detail["source"]), ("signed_up", &serde_json::json!("import")));

    let none = db.member_by_email("none@example.org").await.expect("read").expect("created");
    assert!(none.labels.is_empty() && none.newsletters.is_empty());
    let last = db.member_by_email("reader449@example.org").await.expect("read").expect("created");
    assert_eq!(last.newsletters, ["daily"]);
    assert_eq!(db.labels().await.expect("labels").len(), 2, "one label per name, however many members carry it");
    assert!(db.insert_members(&[]).await.expect("nothing to insert") == 0);
});

dual_db_test!(async fn a_batch_with_an_existing_address_stores_nothing(db) {
    let daily = NewsletterBuilder::new("Daily").create(&db).await;
    MemberBuilder::new("taken@example.org").create(&db).await;
    let mut batch: Vec<(NewMember, Vec<ObjectId>)> = (0..250)
        .map(|i| (new_member(&format!("reader{i:03}@example.org"), &["Fresh label"]), vec![daily.id.clone()]))
        .collect();
    // In the second statement of the batch: the first one's members must go too.
    batch[220] = (new_member("taken@example.org", &[]), vec![daily.id.clone()]);
    let result = db.insert_members(&batch).await;
    assert!(matches!(result, Err(StorageError::Conflict { entity: "member", .. })), "{result:?}");
    assert_eq!(db.member_count().await.expect("count"), 1, "no member of the batch was kept");
    assert!(db.member_by_email("reader000@example.org").await.expect("read").is_none());
    assert!(db.labels().await.expect("labels").is_empty(), "not even the batch's new label");
    let emails = ["taken@example.org", "reader000@example.org", "nobody@example.org"];
    let found = db.member_emails_among(&emails).await.expect("look up");
    assert_eq!(found.into_iter().collect::<Vec<_>>(), ["taken@example.org"]);
    db.suppress("gone@example.org", SuppressionReason::HardBounce, None).await.expect("suppress");
    let found = db.suppressed_among(&["taken@example.org", "gone@example.org"]).await.expect("look up");
    assert_eq!(found.into_iter().collect::<Vec<_>>(), ["gone@example.org"]);
});
