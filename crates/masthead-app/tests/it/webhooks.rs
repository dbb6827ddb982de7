//! Webhook delivery: refused ranges are refused on delivery too, and proxy settings in the
//! environment are ignored (a proxy resolves the target itself and would bypass the checked,
//! pinned address).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use masthead_app::Newsroom;
use masthead_app::integrations::webhooks::{Delivery, WebhookInput, WebhookTargets};
use masthead_core::{Actor, ObjectId, Role};
use masthead_media::MediaStore;
use masthead_test_utils::{TestDb, dual_db_test};
use serde_json::json;

/// The environment variable that turns [`delivery_in_a_child_process`] on: it holds the URL the
/// child registers its webhook for.
const CHILD_TARGET: &str = "MASTHEAD_TEST_WEBHOOK_TARGET";

fn newsroom(db: &TestDb, targets: WebhookTargets) -> (Newsroom, tempfile::TempDir) {
    let media = tempfile::tempdir().expect("media dir");
    let newsroom =
        Newsroom::new(db.db().clone(), MediaStore::local(media.path()).expect("media")).with_webhook_targets(targets);
    (newsroom, media)
}

fn owner() -> Actor {
    Actor { user_id: ObjectId::new(), role: Role::Owner }
}

async fn webhook_to(newsroom: &Newsroom, target: &str) -> String {
    let integration = newsroom.add_integration("Hooks", None).await.expect("integration");
    let input = WebhookInput {
        event: Some("post.added".into()),
        target_url: Some(target.into()),
        integration_id: Some(integration.record.id.clone()),
        ..WebhookInput::default()
    };
    newsroom.add_webhook(&owner(), input).await.expect("webhook").id
}

dual_db_test!(async fn a_stored_target_in_a_refused_range_is_not_called_on_delivery(db) {
    // Saved while private targets were allowed (or written before the ranges were refused),
    // delivered by a newsroom that allows public targets only.
    let (permissive, _media) = newsroom(&db, WebhookTargets::AllowPrivate);
    let (strict, _media2) = newsroom(&db, WebhookTargets::PublicOnly);
    for target in ["http://[64:ff9b::7f00:1]:9/hook", "http://[2002:7f00:1::]:9/hook", "http://198.18.0.1:9/hook", "http://[::7f00:1]:9/hook"] {
        let id = webhook_to(&permissive, target).await;
        let delivery = Delivery { webhook_id: id.clone(), event: "post.added".into(), body: json!({}) };
        strict.deliver_webhook(&delivery).await.expect("a refusal is final, not retried");
        let webhook = db.webhook_by_id(&id).await.expect("read").expect("kept");
        assert_eq!(webhook.last_triggered_status.as_deref(), Some("refused"), "{target}");
        assert!(webhook.last_triggered_error.is_some_and(|e| e.contains("private address")), "{target}");
        // And saving it now is refused.
        let input = WebhookInput { target_url: Some(target.into()), ..WebhookInput::default() };
        let error = strict.edit_webhook(&owner(), &id, input).await.expect_err("refused on save");
        assert!(error.to_string().contains("private address"), "{target}: {error}");
    }
});

/// Accepts connections on a loopback port and counts them; with `answer`, reads one request
/// head and answers `200 OK`.
fn listener(answer: bool) -> (String, Arc<AtomicUsize>) {
    let socket = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = format!("http://{}", socket.local_addr().expect("address"));
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        for stream in socket.incoming() {
            let Ok(mut stream) = stream else { continue };
            seen.fetch_add(1, Ordering::SeqCst);
            if answer {
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                    line.clear();
                }
                let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            }
        }
    });
    (address, count)
}

#[test]
fn proxy_variables_in_the_environment_are_ignored() {
    let (target, delivered) = listener(true);
    let (proxy, proxied) = listener(false);
    // Run the delivery in a child process, so the proxy variables never touch this process
    // (or the tests running beside it).
    let mut child = Command::new(std::env::current_exe().expect("test binary"));
    child.args(["--exact", "webhooks::delivery_in_a_child_process", "--nocapture", "--test-threads=1"]);
    child.env(CHILD_TARGET, format!("{target}/hook"));
    for variable in ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"] {
        child.env(variable, &proxy);
    }
    child.env_remove("NO_PROXY").env_remove("no_proxy");
    let output = child.output().expect("run the child");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("1 passed"), "the child ran the delivery: {stdout}");
    assert_eq!(proxied.load(Ordering::SeqCst), 0, "nothing went through the proxy");
    assert_eq!(delivered.load(Ordering::SeqCst), 1, "the target was called directly");
}

/// Run by [`proxy_variables_in_the_environment_are_ignored`] in a child process with proxy
/// variables set; does nothing in an ordinary test run.
#[tokio::test]
async fn delivery_in_a_child_process() {
    let Ok(target) = std::env::var(CHILD_TARGET) else { return };
    let db = TestDb::sqlite().await;
    // The target is on loopback, so the newsroom must allow private targets.
    let (newsroom, _media) = newsroom(&db, WebhookTargets::AllowPrivate);
    let id = webhook_to(&newsroom, &target).await;
    let delivery = Delivery { webhook_id: id.clone(), event: "post.added".into(), body: json!({}) };
    newsroom.deliver_webhook(&delivery).await.expect("delivered");
    let webhook = db.webhook_by_id(&id).await.expect("read").expect("kept");
    assert_eq!(webhook.last_triggered_status.as_deref(), Some("200"));
    db.finish().await;
}
