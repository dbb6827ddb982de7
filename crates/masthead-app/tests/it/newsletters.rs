//! Sending: what a newsletter send puts on the wire (through a real SMTP listener), who is left
//! out, how temporary and permanent refusals are handled, DKIM, and transactional mail.

use std::time::Duration as StdDuration;

use masthead_app::Newsroom;
use masthead_app::mail::newsletters::NewsletterInput;
use masthead_app::mail::{DkimSettings, MailSettings, Mailer};
use masthead_app::newsroom::authoring::{NewsletterRequest, StorySave};
use masthead_app::payments::TierInput;
use masthead_core::{Actor, MemberStatus, ObjectId, Role, SuppressionReason, Visibility};
use masthead_media::MediaStore;
use masthead_storage::{Db, NewMember};
use masthead_test_utils::{PostBuilder, SmtpSink, StaffBuilder, TestDb, dual_db_test};

const SITE: &str = "https://news.example.org";

fn newsroom(db: &TestDb, sink: &SmtpSink, dkim: Option<DkimSettings>) -> (Newsroom, tempfile::TempDir) {
    let media = tempfile::tempdir().expect("media dir");
    let mailer = Mailer::new(&MailSettings {
        smtp_url: Some(sink.url()),
        from: Some("Korvet Independent <news@korvet.example>".into()),
        site_url: SITE.into(),
        dkim,
        concurrency: Some(2),
        instance: Some("test".into()),
        retry_base: Some(StdDuration::from_millis(500)),
    })
    .expect("mail settings");
    let newsroom = Newsroom::new(db.db().clone(), MediaStore::local(media.path()).expect("media")).with_mailer(mailer);
    (newsroom, media)
}

async fn member(db: &Db, email: &str, newsletters: &[ObjectId], status: MemberStatus) {
    let new = NewMember {
        email: email.into(),
        name: Some("Reader".into()),
        note: None,
        status,
        labels: vec![],
        consent_source: "test".into(),
        consent_ip: None,
        created_at: masthead_core::now(),
    };
    db.insert_member(&new, newsletters).await.expect("member");
}

/// Runs the sender until the send is finished (or a few seconds pass).
async fn send_until_done(newsroom: &Newsroom, email_id: &str) {
    let (_stop, stopped) = tokio::sync::watch::channel(false);
    for _ in 0..50 {
        newsroom.work_newsletters(&stopped).await.expect("send");
        if newsroom.db().email(email_id).await.expect("read").expect("send").status == "sent" {
            return;
        }
        tokio::time::sleep(StdDuration::from_millis(200)).await;
    }
    panic!("the send did not finish: {:?}", newsroom.db().email_progress(email_id).await);
}

dual_db_test!(async fn a_send_reaches_the_segment_once_with_one_click_unsubscribe(db) {
    let sink = SmtpSink::start().await;
    let (newsroom, _media) = newsroom(&db, &sink, None);
    let owner = StaffBuilder::new("Mira Halden").create(&db).await;
    let actor = Actor { user_id: owner.id.clone(), role: Role::Owner };
    let input = NewsletterInput {
        name: "Frontline Dispatch".into(),
        host_name: Some("Tomas Veyra".into()),
        sender_name: Some("Tomas Veyra at Korvet".into()),
        sender_reply_to: Some("tomas@korvet.example".into()),
        ..NewsletterInput::default()
    };
    let letter = newsroom.save_newsletter(&actor, None, &input).await.expect("newsletter");
    let other = newsroom
        .save_newsletter(&actor, None, &NewsletterInput { name: "Weekly".into(), ..NewsletterInput::default() })
        .await
        .expect("other");
    let ours = std::slice::from_ref(&letter.id);
    member(&db, "free@example.org", ours, MemberStatus::Free).await;
    member(&db, "paid@example.org", ours, MemberStatus::Paid).await;
    member(&db, "comped@example.org", ours, MemberStatus::Comped).await;
    member(&db, "greylisted@example.org", ours, MemberStatus::Paid).await;
    member(&db, "gone@example.org", ours, MemberStatus::Paid).await;
    member(&db, "bounced@example.org", ours, MemberStatus::Paid).await;
    member(&db, "elsewhere@example.org", std::slice::from_ref(&other.id), MemberStatus::Paid).await;
    db.suppress("bounced@example.org", SuppressionReason::HardBounce, None).await.expect("suppress");
    sink.reply_to_rcpt("greylisted@example.org", 451, "4.7.1 try again later", Some(1));
    sink.reply_to_rcpt("gone@example.org", 550, "5.1.1 no such mailbox", None);

    // The choice is saved with the draft; publishing with it creates the send.
    let to_paid = || NewsletterRequest::To { newsletter: letter.slug.as_str().to_owned(), segment: "status:-free".into() };
    let save = |existing, input, newsletter| StorySave { existing, expected_updated_at: None, input, newsletter, autosave: false };
    let draft_input = PostBuilder::draft("Bridges reopen").authors(&[&owner]).markdown("The **bridges** reopened at dawn.").input();
    let draft = newsroom.save_post_as(&actor, save(None, draft_input, to_paid())).await.expect("draft");
    assert!(newsroom.db().email_for_post(&draft.id).await.expect("read").is_none(), "a draft is not sent");
    let mut publish = PostBuilder::published("Bridges reopen").authors(&[&owner]).markdown("The **bridges** reopened at dawn.").input();
    publish.slug = Some(draft.slug.as_str().to_owned());
    let post = newsroom.save_post_as(&actor, save(Some(&draft), publish.clone(), to_paid())).await.expect("publish");
    let email = newsroom.db().email_for_post(&post.id).await.expect("read").expect("send created");
    // Saving the live story again does not create a second send.
    newsroom.save_post_as(&actor, save(Some(&post), publish, to_paid())).await.expect("edit");
    assert_eq!(newsroom.db().email_for_post(&post.id).await.expect("read").expect("send").id, email.id);

    send_until_done(&newsroom, &email.id).await;
    let progress = newsroom.db().email_progress(&email.id).await.expect("progress");
    assert_eq!((progress.sent, progress.failed, progress.pending, progress.sending), (3, 1, 0, 0), "{progress:?}");
    let failed = newsroom.db().failed_recipients(&email.id, 10).await.expect("failures");
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].address, "gone@example.org");
    assert!(failed[0].error.as_deref().is_some_and(|e| e.contains("550")), "{failed:?}");

    let mut delivered: Vec<String> = sink.messages().iter().flat_map(|m| m.rcpt_to.clone()).collect();
    delivered.sort();
    assert_eq!(delivered, ["comped@example.org", "greylisted@example.org", "paid@example.org"], "paid segment, once each");

    let secret = newsroom.members_secret().await.expect("secret");
    for mail in sink.messages() {
        let to = &mail.rcpt_to[0];
        let uuid = newsroom.db().member_by_email(to).await.expect("read").expect("member").uuid;
        let unsubscribe = newsroom.unsubscribe_url(&secret, &uuid, letter.slug.as_str());
        let header = mail.header("List-Unsubscribe").expect("List-Unsubscribe");
        assert!(header.contains(&format!("<{unsubscribe}>")), "{header}");
        assert!(header.contains("<mailto:news@korvet.example?subject=unsubscribe%20"), "{header}");
        assert_eq!(mail.header("List-Unsubscribe-Post").as_deref(), Some("List-Unsubscribe=One-Click"));
        assert!(mail.header("List-Id").is_some_and(|l| l.contains("frontline-dispatch.korvet.example")));
        assert!(mail.header("From").is_some_and(|f| f.contains("Tomas Veyra at Korvet") && f.contains("news@korvet.example")));
        assert_eq!(mail.header("Reply-To").as_deref(), Some("tomas@korvet.example"));
        assert_eq!(mail.subject().as_deref(), Some("Bridges reopen"));
        assert!(mail.message_id().is_some_and(|id| id.starts_with(&format!("{}.", email.id))));
        let html = mail.html_body().expect("an HTML part");
        assert!(html.contains(&unsubscribe.replace('&', "&amp;")), "each recipient's own link");
        assert!(html.contains("<strong>bridges</strong>") && html.contains("Frontline Dispatch with Tomas Veyra"));
        let text = mail.text_body();
        assert!(text.contains(&format!("Unsubscribe: {unsubscribe}")), "{text}");
        assert!(text.contains(&format!("{SITE}/{}/", post.slug)));
    }
});

dual_db_test!(async fn dkim_signs_the_one_click_headers(db) {
    let sink = SmtpSink::start().await;
    // An Ed25519 key is a base64 32-byte seed.
    let key = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
    let dkim = DkimSettings { selector: "mh2026".into(), domain: "korvet.example".into(), private_key: key.into() };
    let (newsroom, _media) = newsroom(&db, &sink, Some(dkim));
    let owner = StaffBuilder::new("Mira Halden").create(&db).await;
    let actor = Actor { user_id: owner.id.clone(), role: Role::Owner };
    let letter = newsroom
        .save_newsletter(&actor, None, &NewsletterInput { name: "Morning Brief".into(), ..NewsletterInput::default() })
        .await
        .expect("newsletter");
    member(&db, "reader@example.org", std::slice::from_ref(&letter.id), MemberStatus::Free).await;
    let post = PostBuilder::published("Curfew lifted").authors(&[&owner]).create(&newsroom).await;
    newsroom.choose_newsletter(&actor, &post, Some("morning-brief"), "all").await.expect("choose");
    let id = newsroom.send_newsletter_if_chosen(&post).await.expect("send").expect("created");
    send_until_done(&newsroom, &id).await;
    let mail = sink.wait_for(1, StdDuration::from_secs(5)).await.remove(0);
    let signature = mail.header("DKIM-Signature").expect("signed");
    let tags: Vec<(String, String)> = signature
        .split(';')
        .filter_map(|t| t.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.split_whitespace().collect::<String>()))
        .collect();
    let tag = |name: &str| tags.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    assert_eq!(tag("a"), "ed25519-sha256");
    assert_eq!((tag("d"), tag("s")), ("korvet.example".to_owned(), "mh2026".to_owned()));
    let signed: Vec<String> = tag("h").split(':').map(str::to_lowercase).collect();
    for header in ["from", "subject", "list-unsubscribe", "list-unsubscribe-post", "message-id"] {
        assert!(signed.contains(&header.to_owned()), "{header} is signed: {signed:?}");
    }
    assert!(!tag("b").is_empty() && !tag("bh").is_empty());
});

dual_db_test!(async fn transactional_mail_goes_through_smtp_once(db) {
    let sink = SmtpSink::start().await;
    let (newsroom, _media) = newsroom(&db, &sink, None);
    newsroom.send_mail("reader@example.org", "Sign in to Korvet", "Open https://news.example.org/x", None).await.expect("queue");
    assert_eq!(newsroom.deliver_outbox().await.expect("deliver"), 1);
    assert_eq!(newsroom.deliver_outbox().await.expect("deliver"), 0, "nothing is delivered twice");
    let mail = sink.wait_for(1, StdDuration::from_secs(5)).await.remove(0);
    assert_eq!(mail.subject().as_deref(), Some("Sign in to Korvet"));
    assert_eq!(mail.links(), ["https://news.example.org/x"]);
    let outbox = newsroom.db().outbox().await.expect("outbox");
    assert_eq!(outbox[0].status, "sent");
    assert_eq!(sink.count(), 1);
});

dual_db_test!(async fn a_gated_story_is_sent_only_to_members_who_may_read_it(db) {
    let sink = SmtpSink::start().await;
    let (newsroom, _media) = newsroom(&db, &sink, None);
    let owner = StaffBuilder::new("Mira Halden").create(&db).await;
    let actor = Actor { user_id: owner.id.clone(), role: Role::Owner };
    let letter = newsroom
        .save_newsletter(&actor, None, &NewsletterInput { name: "Morning Brief".into(), ..NewsletterInput::default() })
        .await
        .expect("newsletter");
    let ours = std::slice::from_ref(&letter.id);
    member(&db, "free@example.org", ours, MemberStatus::Free).await;
    member(&db, "paid@example.org", ours, MemberStatus::Paid).await;
    member(&db, "comped@example.org", ours, MemberStatus::Comped).await;

    // Each story goes to "all subscribers"; its visibility narrows that, and a segment narrows
    // it further.
    let mut sent_to = Vec::new();
    for (title, visibility, segment) in [
        ("Paid: the terminal's owners", Visibility::Paid, "all"),
        ("Members: the harbour master", Visibility::Members, "all"),
        ("Paid, for free members only", Visibility::Paid, "status:free"),
    ] {
        let before = sink.count();
        let publish = PostBuilder::published(title)
            .authors(&[&owner])
            .visibility(visibility)
            .markdown("The opening.\n\n<!--members-only-->\n\nThe members-only findings.")
            .input();
        let to = NewsletterRequest::To { newsletter: letter.slug.as_str().to_owned(), segment: segment.to_owned() };
        let save = StorySave { existing: None, expected_updated_at: None, input: publish, newsletter: to, autosave: false };
        let post = newsroom.save_post_as(&actor, save).await.expect("publish");
        let email = newsroom.db().email_for_post(&post.id).await.expect("read").expect("send created");
        send_until_done(&newsroom, &email.id).await;
        let messages = sink.messages();
        // Those who receive it may read it, so they get the whole story.
        assert!(messages[before..].iter().all(|m| m.text_body().contains("The members-only findings.")));
        let mut to: Vec<String> = messages[before..].iter().flat_map(|m| m.rcpt_to.clone()).collect();
        to.sort();
        sent_to.push(to);
    }
    assert_eq!(
        sent_to,
        [
            vec!["comped@example.org".to_owned(), "paid@example.org".to_owned()],
            vec!["comped@example.org".to_owned(), "free@example.org".to_owned(), "paid@example.org".to_owned()],
            vec![],
        ]
    );
});

dual_db_test!(async fn a_story_limited_to_tiers_is_sent_only_to_members_on_them(db) {
    let sink = SmtpSink::start().await;
    let (newsroom, _media) = newsroom(&db, &sink, None);
    let owner = StaffBuilder::new("Mira Halden").create(&db).await;
    let actor = Actor { user_id: owner.id.clone(), role: Role::Owner };
    let letter = newsroom
        .save_newsletter(&actor, None, &NewsletterInput { name: "Morning Brief".into(), ..NewsletterInput::default() })
        .await
        .expect("newsletter");
    let paid_tier = |name: &str| TierInput {
        name: name.into(),
        paid: true,
        active: true,
        public: true,
        monthly_price: Some("5".into()),
        currency: Some("usd".into()),
        ..TierInput::default()
    };
    let supporter = newsroom.create_tier_as(&actor, paid_tier("Supporter")).await.expect("tier");
    let patron = newsroom.create_tier_as(&actor, paid_tier("Patron")).await.expect("tier");
    let free = newsroom.ensure_free_tier().await.expect("free tier");
    let ours = std::slice::from_ref(&letter.id);
    member(&db, "free@example.org", ours, MemberStatus::Free).await;
    for (email, tier) in [("supporter@example.org", &supporter), ("patron@example.org", &patron)] {
        member(&db, email, ours, MemberStatus::Paid).await;
        let id = db.member_by_email(email).await.expect("read").expect("member").id;
        db.set_member_tiers(id.as_str(), &[tier.id.to_string()]).await.expect("tiers");
    }
    member(&db, "comped@example.org", ours, MemberStatus::Comped).await;

    let mut sent_to = Vec::new();
    for (title, tiers) in [("For patrons", vec![&patron]), ("For free readers and supporters", vec![&free, &supporter])] {
        let before = sink.count();
        let publish = PostBuilder::published(title)
            .authors(&[&owner])
            .tiers(&tiers)
            .markdown("The opening.\n\n<!--members-only-->\n\nThe findings for the tiers.")
            .input();
        let to = NewsletterRequest::To { newsletter: letter.slug.as_str().to_owned(), segment: "all".to_owned() };
        let save = StorySave { existing: None, expected_updated_at: None, input: publish, newsletter: to, autosave: false };
        let post = newsroom.save_post_as(&actor, save).await.expect("publish");
        let email = newsroom.db().email_for_post(&post.id).await.expect("read").expect("send created");
        send_until_done(&newsroom, &email.id).await;
        let messages = sink.messages();
        assert!(messages[before..].iter().all(|m| m.text_body().contains("The findings for the tiers.")));
        let mut to: Vec<String> = messages[before..].iter().flat_map(|m| m.rcpt_to.clone()).collect();
        to.sort();
        sent_to.push(to);
    }
    // A paid member on another tier and a complimentary member on no tier are not among them.
    assert_eq!(
        sent_to,
        [
            vec!["patron@example.org".to_owned()],
            vec!["free@example.org".to_owned(), "supporter@example.org".to_owned()],
        ]
    );
});

dual_db_test!(async fn recipients_a_dead_sender_held_are_claimed_again_once_its_lease_runs_out(db) {
    let sink = SmtpSink::start().await;
    let (newsroom, _media) = newsroom(&db, &sink, None);
    let owner = StaffBuilder::new("Mira Halden").create(&db).await;
    let actor = Actor { user_id: owner.id.clone(), role: Role::Owner };
    let input = NewsletterInput { name: "Daily".into(), ..NewsletterInput::default() };
    let letter = newsroom.save_newsletter(&actor, None, &input).await.expect("newsletter");
    for i in 0..5 {
        member(&db, &format!("reader{i}@example.org"), std::slice::from_ref(&letter.id), MemberStatus::Free).await;
    }
    let to_all = NewsletterRequest::To { newsletter: letter.slug.as_str().to_owned(), segment: "all".into() };
    let input = PostBuilder::published("Bridges reopen").authors(&[&owner]).input();
    let save = StorySave { existing: None, expected_updated_at: None, input, newsletter: to_all, autosave: false };
    let post = newsroom.save_post_as(&actor, save).await.expect("publish");
    let email = db.email_for_post(&post.id).await.expect("read").expect("send created");
    assert_eq!(db.start_email(&email.id).await.expect("start"), Some(5));
    let email = db.email(&email.id).await.expect("read").expect("send");

    let now = masthead_core::now();
    let lease = time::Duration::minutes(2);
    let dead = db.claim_recipients(&email, "dead", now, lease, 2, 0).await.expect("claim");
    assert_eq!(dead.len(), 2);
    // While the lease runs, another sender gets only the rest, whatever its cursor.
    let rest = db.claim_recipients(&email, "alive", now, lease, 10, 0).await.expect("claim");
    assert_eq!(rest.len(), 3);
    assert!(db.claim_recipients(&email, "alive", now, lease, 10, 0).await.expect("claim").is_empty());
    let marked = db.mark_recipients_sent(&rest.iter().map(|r| r.id).collect::<Vec<_>>()).await.expect("mark");
    assert_eq!(marked, 3);
    // Once it has run out, a pass from the start takes the dead sender's recipients, and only them.
    let later = now + lease + time::Duration::seconds(1);
    let again = db.claim_recipients(&email, "alive", later, lease, 10, 0).await.expect("claim");
    let ids = |rows: &[masthead_storage::ClaimedRecipient]| {
        let mut ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        ids
    };
    assert_eq!(ids(&again), ids(&dead));
    db.mark_recipients_sent(&ids(&again)).await.expect("mark");
    let progress = db.email_progress(&email.id).await.expect("progress");
    assert_eq!((progress.sent, progress.pending, progress.sending), (5, 0, 0), "{progress:?}");
    assert!(db.finish_email_if_done(&email.id).await.expect("finish"));
});
