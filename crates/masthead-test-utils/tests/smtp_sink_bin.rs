//! The `masthead-smtp-sink` binary as a browser test runs it: a separate process that logs to a
//! directory.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::ChildStdout;

const BIN: &str = env!("CARGO_BIN_EXE_masthead-smtp-sink");

/// A running sink process, killed when dropped.
struct SinkProcess {
    child: tokio::process::Child,
    /// Kept open: the sink goes on printing its count.
    stdout: Lines<BufReader<ChildStdout>>,
    port: u16,
}

impl SinkProcess {
    async fn start(args: &[&str]) -> Self {
        let mut child = tokio::process::Command::new(BIN)
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start masthead-smtp-sink");
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
        let first_line = tokio::time::timeout(Duration::from_secs(10), stdout.next_line())
            .await
            .expect("the sink says where it listens")
            .expect("read stdout")
            .expect("a first line");
        let url = first_line
            .strip_prefix("masthead-smtp-sink listening on smtp://")
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("unexpected first line {first_line:?}"));
        let port = url.rsplit(':').next().and_then(|port| port.parse().ok()).expect("a port in the URL");
        Self { child, stdout, port }
    }

    async fn send(&self, count: usize) {
        let mailer = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1").port(self.port).build();
        for n in 1..=count {
            let email = Message::builder()
                .from("news@example.org".parse().expect("from address"))
                .to(format!("reader{n}@example.org").parse().expect("to address"))
                .subject(format!("Issue {n} — “quoted”"))
                .message_id(Some(format!("<issue-{n}@example.org>")))
                .body(format!("Read it at https://news.example.org/issues/{n}\n"))
                .expect("message builds");
            mailer.send(email).await.expect("the sink accepts the message");
        }
    }
}

fn jsonl(dir: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(dir.join("received.jsonl"))
        .expect("received.jsonl exists")
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is JSON"))
        .collect()
}

#[tokio::test]
async fn writes_eml_files_and_jsonl() {
    let dir = tempfile::tempdir().expect("temporary directory");
    std::fs::write(dir.path().join("00000009.eml"), "left from an earlier run").expect("write stale file");
    let mut sink = SinkProcess::start(&["--dir", dir.path().to_str().expect("UTF-8 path")]).await;
    sink.send(3).await;

    // Written before the 250 reply, so complete as soon as `send` returned.
    let lines = jsonl(dir.path());
    assert_eq!(lines.len(), 3);
    assert_eq!(
        lines[1],
        serde_json::json!({
            "seq": 2,
            "rcpt_to": ["reader2@example.org"],
            "message_id": "issue-2@example.org",
            "subject": "Issue 2 — “quoted”",
        })
    );
    let mut files: Vec<String> = std::fs::read_dir(dir.path())
        .expect("list the directory")
        .map(|entry| entry.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, ["00000001.eml", "00000002.eml", "00000003.eml", "received.jsonl"]);
    let eml = std::fs::read_to_string(dir.path().join("00000003.eml")).expect("read .eml");
    assert!(eml.contains("Message-ID: <issue-3@example.org>\r\n"), "{eml}");
    assert!(eml.contains("https://news.example.org/issues/3"), "{eml}");

    sink.child.kill().await.expect("stop the sink");
}

#[tokio::test]
async fn jsonl_only_writes_no_eml_files() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut sink = SinkProcess::start(&["--dir", dir.path().to_str().expect("UTF-8 path"), "--jsonl-only"]).await;
    sink.send(2).await;

    let seqs: Vec<u64> = jsonl(dir.path()).iter().map(|line| line["seq"].as_u64().expect("seq")).collect();
    assert_eq!(seqs, [1, 2]);
    let entries = std::fs::read_dir(dir.path()).expect("list the directory").count();
    assert_eq!(entries, 1, "only received.jsonl");

    sink.child.kill().await.expect("stop the sink");
}

#[tokio::test]
async fn without_dir_it_counts() {
    let mut sink = SinkProcess::start(&[]).await;
    sink.send(2).await;
    // The count is printed as it moves; a tick may fall between the two messages.
    let counted = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match sink.stdout.next_line().await.expect("read stdout") {
                Some(line) if line == "received 2 messages" => return line,
                Some(line) => assert_eq!(line, "received 1 messages", "only counts are printed"),
                None => panic!("the sink closed its output"),
            }
        }
    })
    .await
    .expect("a count of 2 within a few seconds");
    assert_eq!(counted, "received 2 messages");
    sink.child.kill().await.expect("stop the sink");
}

#[test]
fn bad_arguments_print_usage() {
    for args in [&[][..], &["--listen"], &["--listen", "nowhere"], &["--listen", "127.0.0.1:0", "--jsonl-only"]] {
        let output = Command::new(BIN).args(args).output().expect("run masthead-smtp-sink");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("usage: masthead-smtp-sink --listen ADDR"), "{args:?}: {stderr}");
    }
    let help = Command::new(BIN).arg("--help").output().expect("run masthead-smtp-sink --help");
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).starts_with("usage: "));
}
