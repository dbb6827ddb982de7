//! A newsletter reaches every subscriber exactly once even when the server is killed mid-send.
//!
//! The real `masthead` binary sends a post to a frozen audience through a real SMTP listener.
//! The test kills it with SIGKILL at random moments (after a random number of deliveries, at a
//! random extra delay), restarts it, and repeats; at the end it compares what the listener
//! received with the audience: every address got exactly one message (one Message-ID), nobody
//! is missing, nobody outside the audience got anything. Runs on SQLite and on PostgreSQL.
//!
//! One window cannot be closed by any SMTP client (RFC 1047): the relay has accepted a message
//! but the sender dies before it records the 250. The message is then handed over again after
//! the restart, byte for byte the same message with the same Message-ID, which receivers treat
//! as one message. The test counts these repeats and bounds them: at most one per connection
//! in flight per kill.

use std::collections::HashMap;
use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use masthead_app::mail::newsletters::NewsletterInput;
use masthead_app::newsroom::authoring::{NewsletterRequest, StorySave};
use masthead_core::{Actor, MemberStatus, ObjectId, Role};
use masthead_storage::NewMember;
use masthead_test_utils::{PostBuilder, SmtpSink, StaffBuilder, TestApp, TestDb, dual_db_test};
use rand::Rng;

const BIN: &str = env!("CARGO_BIN_EXE_masthead");
const AUDIENCE: usize = 1_500;
const KILLS: usize = 4;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

fn start_server(db: &TestDb, data_dir: &std::path::Path, smtp: &str) -> Child {
    Command::new(BIN)
        .args(["serve", "--no-demo", "--listen", &format!("127.0.0.1:{}", free_port())])
        .arg("--data-dir")
        .arg(data_dir)
        .env("MASTHEAD_DATABASE_URL", db.url())
        .env("MASTHEAD_SMTP_URL", smtp)
        .env("MASTHEAD_MAIL_FROM", "Korvet Independent <news@korvet.example>")
        .env("MASTHEAD_SMTP_CONCURRENCY", "4")
        .env("MASTHEAD_INSTANCE", "crash-test")
        .env("MASTHEAD_LOG", "warn")
        .env("MASTHEAD_VOICE_INSTALL", "off")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start masthead")
}

/// Members, a newsletter, a published post and its pending send.
async fn prepare(db: &TestDb) -> (Vec<String>, String) {
    let app = TestApp::new(db).await;
    let owner = StaffBuilder::new("Mira Halden").create(db).await;
    let actor = Actor { user_id: owner.id.clone(), role: Role::Owner };
    let newsletter = app
        .newsroom
        .save_newsletter(&actor, None, &NewsletterInput { name: "Morning Brief".into(), ..NewsletterInput::default() })
        .await
        .expect("newsletter");
    let other = app
        .newsroom
        .save_newsletter(&actor, None, &NewsletterInput { name: "Weekly".into(), ..NewsletterInput::default() })
        .await
        .expect("second newsletter");
    let mut audience = Vec::new();
    for i in 0..AUDIENCE + 60 {
        let email = format!("reader{i:05}@example.org");
        // 30 read only the other newsletter; 30 are suppressed after subscribing.
        let newsletters: Vec<ObjectId> =
            if (AUDIENCE..AUDIENCE + 30).contains(&i) { vec![other.id.clone()] } else { vec![newsletter.id.clone()] };
        let new = NewMember {
            email: email.clone(),
            name: Some(format!("Reader {i}")),
            note: None,
            status: MemberStatus::Free,
            labels: vec![],
            consent_source: "test".into(),
            consent_ip: None,
            created_at: masthead_core::now(),
        };
        app.db.insert_member(&new, &newsletters).await.expect("member");
        if i >= AUDIENCE + 30 {
            app.db.suppress(&email, masthead_core::SuppressionReason::HardBounce, None).await.expect("suppress");
        } else if i < AUDIENCE {
            audience.push(email);
        }
    }
    let post =
        PostBuilder::draft("Bridges reopen after the night's strikes").authors(&[&owner]).create(&app.newsroom).await;
    let mut input = PostBuilder::published("Bridges reopen after the night's strikes").authors(&[&owner]).input();
    input.slug = Some(post.slug.as_str().to_owned());
    let save = StorySave {
        existing: Some(&post),
        expected_updated_at: None,
        input,
        newsletter: NewsletterRequest::To { newsletter: newsletter.slug.as_str().to_owned(), segment: "all".into() },
        autosave: false,
    };
    let post = app.newsroom.save_post_as(&actor, save).await.expect("publish");
    let email = app.db.email_for_post(&post.id).await.expect("read").expect("publishing created the send");
    (audience, email.id)
}

dual_db_test!(async fn a_newsletter_killed_mid_send_reaches_everyone_exactly_once(db) {
    let (audience, email_id) = prepare(&db).await;
    let sink = SmtpSink::start().await;
    let data_dir = tempfile::tempdir().expect("data dir");
    let mut rng = rand::rng();
    let mut kills = Vec::new();
    for _ in 0..KILLS {
        let mut server = start_server(&db, data_dir.path(), &sink.url());
        // Kill after a random number of further deliveries, plus a random few milliseconds, so
        // the kill lands anywhere: claiming, rendering, mid-conversation, recording.
        let target = sink.count() + rng.random_range(40..250);
        let started = Instant::now();
        while sink.count() < target && started.elapsed() < Duration::from_secs(60) {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        tokio::time::sleep(Duration::from_micros(rng.random_range(0..20_000))).await;
        server.kill().expect("SIGKILL the server");
        server.wait().expect("reap");
        kills.push(sink.count());
    }
    assert!(
        *kills.last().expect("killed") < AUDIENCE,
        "the send finished before the last kill ({kills:?}); the test would prove nothing"
    );
    let mut server = start_server(&db, data_dir.path(), &sink.url());
    let started = Instant::now();
    loop {
        let progress = db.email_progress(&email_id).await.expect("progress");
        let status = db.email(&email_id).await.expect("read").expect("send").status;
        if status == "sent" && progress.pending + progress.sending == 0 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(120), "send did not finish: {progress:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    server.kill().expect("stop");
    server.wait().expect("reap");

    // Recipient -> the Message-IDs they were handed, with repeats.
    let mut received: HashMap<String, Vec<String>> = HashMap::new();
    for mail in sink.messages() {
        assert!(mail.header("List-Unsubscribe-Post").is_some(), "one-click header on every newsletter");
        let id = mail.message_id().expect("every newsletter has a Message-ID");
        for rcpt in mail.rcpt_to {
            received.entry(rcpt.to_lowercase()).or_default().push(id.clone());
        }
    }
    let duplicates: Vec<_> = received
        .iter()
        .filter(|(_, ids)| {
            let mut distinct = (*ids).clone();
            distinct.sort();
            distinct.dedup();
            distinct.len() > 1
        })
        .collect();
    let repeats: usize = received.values().map(|ids| ids.len() - 1).sum();
    let missing: Vec<_> = audience.iter().filter(|a| !received.contains_key(*a)).collect();
    let strangers: Vec<_> = received.keys().filter(|r| !audience.contains(r)).collect();
    // Written past the test harness's capture, so CI logs show the figures.
    let _ = writeln!(
        std::io::stderr(),
        "newsletter crash test: killed after {kills:?} deliveries; {} handed over for an audience of {}; {} duplicates, {} missing, \
         {repeats} repeats of an identical message after a kill",
        sink.count(),
        audience.len(),
        duplicates.len(),
        missing.len()
    );
    assert!(duplicates.is_empty(), "recipients who got two different messages: {duplicates:?}");
    assert!(repeats <= KILLS * 4, "more repeats ({repeats}) than connections in flight at the kills");
    assert!(missing.is_empty(), "missing: {missing:?}");
    assert!(strangers.is_empty(), "sent to people outside the audience: {strangers:?}");
    let progress = db.email_progress(&email_id).await.expect("progress");
    assert_eq!(progress.sent as usize, AUDIENCE);
});
