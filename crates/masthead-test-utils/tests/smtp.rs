//! The SMTP sink driven by lettre's real async SMTP transport (the one Masthead sends with), and
//! by hand for the protocol corners lettre does not exercise.

use std::collections::HashSet;
use std::time::Duration;

use lettre::message::MultiPart;
use lettre::transport::smtp::{AsyncSmtpTransportBuilder, PoolConfig};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use masthead_test_utils::SmtpSink;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const WAIT: Duration = Duration::from_secs(10);

/// Plain SMTP to the sink (lettre has `from_url` only when one of its TLS features is on).
fn mailer_builder(sink: &SmtpSink) -> AsyncSmtpTransportBuilder {
    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(sink.addr().ip().to_string()).port(sink.addr().port())
}

fn mailer(sink: &SmtpSink) -> AsyncSmtpTransport<Tokio1Executor> {
    mailer_builder(sink).build()
}

fn message(to: &str, subject: &str, body: &str) -> Message {
    Message::builder()
        .from("Masthead <news@example.org>".parse().expect("from address"))
        .to(to.parse().expect("to address"))
        .subject(subject)
        .message_id(None)
        .body(body.to_string())
        .expect("message builds")
}

#[tokio::test]
async fn multipart_message_round_trips() {
    let sink = SmtpSink::start().await;
    let link =
        "https://news.example.org/subscribe/confirm?token=0123456789abcdef0123456789abcdef&list=morning-briefing";
    let long_line = format!("A long line: {} end.", "words ".repeat(60));
    let text = format!(
        "Hello Zoë,\n\nPlease confirm your subscription:\n{link}\n\n{long_line}\n.a line that starts with a dot\n..two dots\n.\nBye.\n"
    );
    let html = format!("<p>Hello Zoë,</p>\n<p><a href=\"{link}\">Confirm</a></p>\n.<p>dot</p>\n");
    let email = Message::builder()
        .from("Masthead <news@example.org>".parse().expect("from address"))
        .to("Zoë <Zoe@Example.org>".parse().expect("to address"))
        .subject("Confirm your subscription — Café ✓")
        .message_id(Some("<confirm-1@news.example.org>".to_string()))
        .multipart(MultiPart::alternative_plain_html(text.clone(), html.clone()))
        .expect("message builds");

    mailer(&sink).send(email).await.expect("the sink accepts the message");

    // Recorded before the 250 reply, so it is there as soon as send returns.
    assert_eq!(sink.count(), 1);
    let mail = sink.messages().pop().expect("one message");
    assert_eq!(mail.mail_from, "news@example.org");
    assert_eq!(mail.rcpt_to, ["Zoe@Example.org"]);
    assert_eq!(mail.subject().as_deref(), Some("Confirm your subscription — Café ✓"));
    assert_eq!(mail.message_id().as_deref(), Some("confirm-1@news.example.org"));
    assert_eq!(mail.header("message-id").as_deref(), Some("<confirm-1@news.example.org>"));
    assert!(
        mail.header("CONTENT-TYPE").expect("content type").starts_with("multipart/alternative;"),
        "{:?}",
        mail.header("content-type")
    );
    assert_eq!(mail.text_body().replace("\r\n", "\n"), text);
    assert_eq!(mail.html_body().expect("an html part").replace("\r\n", "\n"), html);
    assert_eq!(mail.links(), [link]);
    assert!(mail.data.contains("\r\n.a line that starts with a dot\r\n..two dots\r\n.\r\nBye."), "dot-unstuffed");
    assert!(mail.data.ends_with("\r\n"), "the data keeps the CRLF before the final dot");
}

#[tokio::test]
async fn pooled_transport_delivers_200_messages_exactly_once() {
    let sink = SmtpSink::start().await;
    let mailer = mailer_builder(&sink).pool_config(PoolConfig::new().max_size(4)).build();

    let mut senders = tokio::task::JoinSet::new();
    for sender in 0..4 {
        let mailer = mailer.clone();
        senders.spawn(async move {
            for n in 0..50 {
                let email =
                    message(&format!("reader{sender}-{n}@example.org"), &format!("Issue {sender}-{n}"), "Hi.\n");
                mailer.send(email).await.expect("the sink accepts the message");
            }
        });
    }
    while let Some(done) = senders.join_next().await {
        done.expect("sender task finishes");
    }

    let received = sink.wait_for(200, WAIT).await;
    assert_eq!(received.len(), 200);
    let subjects: HashSet<String> = received.iter().map(|mail| mail.subject().expect("subject")).collect();
    assert_eq!(subjects.len(), 200, "every message arrived exactly once");
    let message_ids: HashSet<String> = received.iter().map(|mail| mail.message_id().expect("message id")).collect();
    assert_eq!(message_ids.len(), 200);
    for mail in &received {
        let subject = mail.subject().expect("subject");
        let recipient = format!("reader{}@example.org", subject.trim_start_matches("Issue "));
        assert_eq!(mail.rcpt_to, [recipient]);
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(sink.count(), 200, "no duplicates arrive later");
}

#[tokio::test]
async fn scripted_450_is_transient_twice_then_accepted() {
    let sink = SmtpSink::start().await;
    sink.reply_to_rcpt("busy@example.org", 450, "4.2.1 Mailbox busy, try again later", Some(2));
    let mailer = mailer(&sink);

    for attempt in 1..=2 {
        let error = mailer
            .send(message("BUSY@example.org", "Retry me", "Hi.\n"))
            .await
            .expect_err("the scripted 450 rejects this attempt");
        assert!(error.is_transient(), "attempt {attempt}: {error}");
        assert_eq!(sink.count(), 0);
    }
    mailer.send(message("busy@example.org", "Retry me", "Hi.\n")).await.expect("the third attempt is accepted");
    let received = sink.wait_for(1, WAIT).await;
    assert_eq!(received[0].rcpt_to, ["busy@example.org"]);
}

#[tokio::test]
async fn scripted_550_is_permanent() {
    let sink = SmtpSink::start().await;
    sink.reply_to_rcpt("gone@example.org", 550, "5.1.1 No such user", None);
    let mailer = mailer(&sink);

    for _ in 0..2 {
        let error = mailer
            .send(message("gone@example.org", "Hello", "Hi.\n"))
            .await
            .expect_err("the scripted 550 rejects every attempt");
        assert!(error.is_permanent(), "{error}");
    }
    mailer.send(message("other@example.org", "Hello", "Hi.\n")).await.expect("other recipients are accepted");
    assert_eq!(sink.count(), 1);
}

#[tokio::test]
async fn clear_forgets_messages() {
    let sink = SmtpSink::start().await;
    let mailer = mailer(&sink);
    mailer.send(message("a@example.org", "One", "Hi.\n")).await.expect("sent");
    sink.clear();
    assert_eq!(sink.count(), 0);
    assert!(sink.messages().is_empty());
    mailer.send(message("a@example.org", "Two", "Hi.\n")).await.expect("sent");
    let received = sink.wait_for(1, WAIT).await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].subject().as_deref(), Some("Two"));
}

#[tokio::test]
#[should_panic(
    expected = "expected at least 2 message(s) within 200ms, but 1 arrived\n  1. from <news@example.org> to \
                           [\"a@example.org\"]: Only one"
)]
async fn wait_for_panics_listing_what_arrived() {
    let sink = SmtpSink::start().await;
    mailer(&sink).send(message("a@example.org", "Only one", "Hi.\n")).await.expect("sent");
    sink.wait_for(2, Duration::from_millis(200)).await;
}

/// Sends `input` in one write and reads replies until the server closes the connection.
async fn raw_session(sink: &SmtpSink, input: &str) -> String {
    let mut stream = TcpStream::connect(sink.addr()).await.expect("connect to the sink");
    stream.write_all(input.as_bytes()).await.expect("write the session");
    let mut output = String::new();
    tokio::time::timeout(WAIT, stream.read_to_string(&mut output))
        .await
        .expect("the sink answers and closes after QUIT")
        .expect("read replies");
    output
}

fn reply_codes(output: &str) -> Vec<&str> {
    output.lines().filter(|line| line.as_bytes().get(3) != Some(&b'-')).map(|line| &line[..3]).collect()
}

#[tokio::test]
async fn pipelined_session_in_one_write() {
    let sink = SmtpSink::start().await;
    let input = "EHLO client.example\r\n\
                 DATA\r\n\
                 RCPT TO:<early@example.org>\r\n\
                 MAIL FROM:<a@example.org> BODY=8BITMIME\r\n\
                 MAIL FROM:<again@example.org>\r\n\
                 RCPT TO:<b@example.org>\r\n\
                 rcpt to:<c@example.org>\r\n\
                 DATA\r\n\
                 Subject: first\r\n\r\n..starts with a dot\r\n...two\r\n.\r\n\
                 NOOP\r\n\
                 VRFY someone\r\n\
                 MAIL FROM:<>\r\n\
                 RCPT TO:<d@example.org>\r\n\
                 RSET\r\n\
                 MAIL FROM:<x@example.org>\r\n\
                 RCPT TO:<e@example.org>\r\n\
                 DATA\r\n\
                 Subject: second\r\n\r\nbody\r\n.\r\n\
                 QUIT\r\n";
    let output = raw_session(&sink, input).await;

    assert!(output.starts_with("220 "), "{output}");
    for extension in ["250-PIPELINING", "250-8BITMIME", "250-SMTPUTF8", "250 SIZE "] {
        assert!(output.contains(extension), "EHLO advertises {extension}: {output}");
    }
    assert_eq!(
        reply_codes(&output),
        [
            "220", "250", // greeting, EHLO
            "503", "503", // DATA and RCPT before MAIL
            "250", "503", "250", "250", "354", "250", // first transaction (nested MAIL refused)
            "250", "502", // NOOP, VRFY
            "250", "250", "250", // MAIL, RCPT, RSET
            "250", "250", "354", "250", // second transaction
            "221",
        ],
        "{output}"
    );
    let received = sink.messages();
    assert_eq!(received.len(), 2);
    assert_eq!(received[0].mail_from, "a@example.org");
    assert_eq!(received[0].rcpt_to, ["b@example.org", "c@example.org"]);
    assert_eq!(received[0].data, "Subject: first\r\n\r\n.starts with a dot\r\n..two\r\n");
    assert_eq!(received[1].mail_from, "x@example.org");
    assert_eq!(received[1].rcpt_to, ["e@example.org"]);
    assert_eq!(received[1].subject().as_deref(), Some("second"));
}
