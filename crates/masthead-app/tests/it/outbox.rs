//! Messages that carry a one-time link keep it only while a relay may still need it: a message
//! whose link expired is never sent, and one the relay refuses for good forgets its link.

use masthead_app::Newsroom;
use masthead_app::mail::{MailSettings, Mailer};
use masthead_core::Role;
use masthead_media::MediaStore;
use masthead_storage::{MailCredential, OutgoingMail};
use masthead_test_utils::{SmtpSink, TestDb, dual_db_test};
use time::Duration;

const SITE: &str = "https://news.example.org";

fn newsroom(db: &TestDb, sink: &SmtpSink) -> (Newsroom, tempfile::TempDir) {
    let media = tempfile::tempdir().expect("media dir");
    let mailer = Mailer::new(&MailSettings {
        smtp_url: Some(sink.url()),
        site_url: SITE.into(),
        instance: Some("test".into()),
        ..MailSettings::default()
    })
    .expect("mail settings");
    let newsroom = Newsroom::new(db.db().clone(), MediaStore::local(media.path()).expect("media")).with_mailer(mailer);
    (newsroom, media)
}

dual_db_test!(async fn a_link_that_expired_before_delivery_is_never_sent(db) {
    let sink = SmtpSink::start().await;
    let (newsroom, _media) = newsroom(&db, &sink);
    let link = format!("{SITE}/signin/confirm/?token=0123abcd");
    db.queue_mail(&OutgoingMail {
        to: "reader@example.org".into(),
        subject: "Sign in".into(),
        text_body: format!("Open {link}"),
        html_body: None,
        deliver: true,
        credential: Some(MailCredential {
            token_hash: "hash-of-0123abcd".into(),
            expires_at: masthead_core::now() - Duration::minutes(1),
            text_without_link: "Open [withheld]".into(),
        }),
    })
    .await
    .expect("queue");
    assert_eq!(newsroom.deliver_outbox().await.expect("deliver"), 0, "nothing to send");
    assert_eq!(sink.count(), 0);
    let row = db.outbox().await.expect("outbox").remove(0);
    assert_eq!((row.status.as_str(), row.link_kept), ("failed", false), "{row:?}");
    assert_eq!(row.error.as_deref(), Some("not sent: the link expired first"));
    assert_eq!(row.text_body, "Open [withheld]");
});

dual_db_test!(async fn a_link_is_kept_through_a_temporary_refusal_and_forgotten_after_a_permanent_one(db) {
    let sink = SmtpSink::start().await;
    let (newsroom, _media) = newsroom(&db, &sink);
    newsroom.add_staff("Anna Field", "anna@news.example.org", Role::Author, Some("a long enough secret")).await.expect("staff");
    sink.reply_to_rcpt("anna@news.example.org", 450, "4.2.1 Mailbox busy, try later", Some(1));
    newsroom.request_password_reset("anna@news.example.org", SITE).await.expect("reset");
    assert_eq!(newsroom.deliver_outbox().await.expect("deliver"), 1);
    let deferred = db.outbox().await.expect("outbox").remove(0);
    assert_eq!((deferred.status.as_str(), deferred.link_kept), ("pending", true), "kept for the next try: {deferred:?}");

    sink.reply_to_rcpt("anna@news.example.org", 550, "5.1.1 No such user", None);
    newsroom.request_password_reset("anna@news.example.org", SITE).await.expect("reset");
    assert_eq!(newsroom.deliver_outbox().await.expect("deliver"), 1, "the new message; the deferred one waits");
    let refused = db.outbox().await.expect("outbox").into_iter().find(|m| m.id != deferred.id).expect("second");
    assert_eq!((refused.status.as_str(), refused.link_kept), ("failed", false), "{refused:?}");
    assert!(refused.carries_link && refused.text_body.contains("[one-time link withheld"));
    assert_eq!(sink.count(), 0);
});
