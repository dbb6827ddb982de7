use masthead_storage::{Backend, Db};

#[test]
fn sqlite_and_postgres_ship_the_same_migration_versions() {
    let sqlite = Db::migration_versions(Backend::Sqlite);
    let postgres = Db::migration_versions(Backend::Postgres);
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, postgres, "migrations/sqlite and migrations/postgres must list the same versions");
}

masthead_test_utils::dual_db_test!(async fn links_kept_before_the_outbox_kept_them_apart_are_withheld(db) {
    use masthead_storage::OutgoingMail;
    let mail = |text: &str, deliver: bool| OutgoingMail {
        to: "reader@example.org".into(),
        subject: "A message".into(),
        text_body: text.into(),
        html_body: None,
        deliver,
        credential: None,
    };
    // Rows as they were written before migration 0009: links in plain text.
    db.queue_mail(&mail("Reset: https://news.example.org/admin/reset/0123abcd/ within an hour", false)).await.expect("queue");
    db.queue_mail(&mail("Sign in: https://news.example.org/signin/confirm/?token=0123abcd", true)).await.expect("queue");
    db.queue_mail(&mail("Your story was published.", true)).await.expect("queue");
    // The migration's own statement, run again over them.
    let sql = match db.backend() {
        Backend::Sqlite => include_str!("../../migrations/sqlite/0009_outbox_credentials.sql"),
        Backend::Postgres => include_str!("../../migrations/postgres/0009_outbox_credentials.sql"),
    };
    let scrubbed = db.execute_raw(&sql[sql.find("UPDATE outbox").expect("the scrub")..]).await;
    assert_eq!(scrubbed, 2);
    let rows = db.outbox().await.expect("outbox");
    let by_start = |start: &str| rows.iter().find(|r| r.text_body.starts_with(start)).expect("row").clone();
    let withheld: Vec<_> = rows.iter().filter(|r| r.text_body.starts_with("(This message carried a one-time link")).collect();
    assert_eq!(withheld.len(), 2, "{rows:?}");
    assert!(rows.iter().all(|r| !r.text_body.contains("0123abcd")), "{rows:?}");
    let statuses: Vec<(&str, Option<&str>)> = withheld.iter().map(|r| (r.status.as_str(), r.error.as_deref())).collect();
    assert!(statuses.contains(&("kept", None)), "{statuses:?}");
    assert!(statuses.contains(&("failed", Some("not sent: written before one-time links were kept apart"))), "{statuses:?}");
    assert_eq!(by_start("Your story").status, "pending", "mail without a link is untouched");
});
