//! A real SMTP listener ("sink") that receives the mail Masthead sends, for tests, benchmarks and
//! browser tests. It speaks the plain ESMTP that lettre's `AsyncSmtpTransport` uses over
//! `smtp://127.0.0.1:PORT` (no TLS, no AUTH), keeps every message in memory and can also log each
//! one to a directory (see [`SinkOptions`]).
//!
//! ```text
//! let sink = SmtpSink::start().await;
//! // ... point Masthead's mailer at sink.url() and make it send ...
//! let mail = sink.wait_for(1, Duration::from_secs(5)).await;
//! assert_eq!(mail[0].subject().as_deref(), Some("Confirm your subscription"));
//! let confirm_link = &mail[0].links()[0];
//! ```
//!
//! A message counts as received when its final `.` line arrives: it is recorded (and logged)
//! before the `250` reply is written, so once the sender's `send` returns, the message is there.

use std::collections::HashMap;
use std::fmt;
use std::fs::{self, File};
use std::io::{self, Write};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use mail_parser::{Message, MessageParser, PartType};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, BufWriter};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

const HOSTNAME: &str = "masthead-smtp-sink";
/// Largest message accepted (advertised with `SIZE`); bigger ones get `552`.
const MAX_MESSAGE_SIZE: usize = 50 * 1024 * 1024;
/// The name of the JSON-lines log in [`SinkOptions::log_dir`].
pub const JSONL_LOG: &str = "received.jsonl";

/// How a sink keeps what it receives; [`SinkOptions::default`] keeps messages in memory only.
#[derive(Debug, Clone)]
pub struct SinkOptions {
    /// Keep every message in memory for [`SmtpSink::messages`] and [`SmtpSink::wait_for`]. A
    /// benchmark that sends 100,000 messages turns this off; [`SmtpSink::count`] still counts.
    pub keep_messages: bool,
    /// Log each message to this directory (created if missing): one JSON line per message in
    /// `received.jsonl` (`{"seq":N,"rcpt_to":[...],"message_id":"...","subject":"..."}`, with
    /// `null` for a missing header) and, with [`write_eml`](Self::write_eml), the raw message as
    /// `<seq, zero-padded to 8 digits>.eml`, written under a temporary name and then renamed. The
    /// `.eml` file exists before its JSON line is appended. Nothing is fsynced. Files that an earlier
    /// run left there (`received.jsonl`, `<digits>.eml`) are removed at start.
    pub log_dir: Option<PathBuf>,
    /// With a `log_dir`, also write each message as a `.eml` file.
    pub write_eml: bool,
}

impl Default for SinkOptions {
    fn default() -> Self {
        Self { keep_messages: true, log_dir: None, write_eml: true }
    }
}

/// One message as the sink received it: the envelope and the raw (dot-unstuffed) data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMail {
    /// The `MAIL FROM` address, without angle brackets (empty for the null sender `<>`).
    pub mail_from: String,
    /// The accepted `RCPT TO` addresses, in order, without angle brackets.
    pub rcpt_to: Vec<String>,
    /// The raw message: headers and body with their CRLF line ends, as sent after `DATA`.
    pub data: String,
}

impl ReceivedMail {
    /// The first header of that name (case-insensitive), unfolded and trimmed but not decoded:
    /// an RFC 2047 encoded word stays as sent (use [`subject`](Self::subject) for the subject).
    pub fn header(&self, name: &str) -> Option<String> {
        let mut found: Option<String> = None;
        for line in self.data.split('\n') {
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.starts_with([' ', '\t']) {
                // A continuation line: unfolding removes only the line break.
                if let Some(value) = found.as_mut() {
                    value.push_str(line);
                }
                continue;
            }
            if found.is_some() || line.is_empty() {
                break;
            }
            if let Some((field, value)) = line.split_once(':')
                && field.trim_end().eq_ignore_ascii_case(name)
            {
                found = Some(value.to_string());
            }
        }
        found.map(|value| value.trim().to_string())
    }

    /// The decoded `Subject` (RFC 2047 encoded words decoded).
    pub fn subject(&self) -> Option<String> {
        self.parsed()?.subject().map(str::to_string)
    }

    /// The `Message-ID`, without its angle brackets.
    pub fn message_id(&self) -> Option<String> {
        self.parsed()?.message_id().map(str::to_string)
    }

    /// The decoded text/plain body (the plain part of a multipart/alternative message), with
    /// quoted-printable or base64 undone; empty when the message has no text/plain part.
    pub fn text_body(&self) -> String {
        let Some(message) = self.parsed() else { return String::new() };
        match message.text_part(0).map(|part| &part.body) {
            Some(PartType::Text(text)) => text.to_string(),
            _ => String::new(),
        }
    }

    /// The decoded text/html body, if the message has one.
    pub fn html_body(&self) -> Option<String> {
        let message = self.parsed()?;
        match &message.html_part(0)?.body {
            PartType::Html(html) => Some(html.to_string()),
            _ => None,
        }
    }

    /// Every `http://` or `https://` URL in the text body, in order (repeats kept). A URL ends at
    /// whitespace or `<>"'`, and trailing sentence punctuation (`.,;:!?)]`) is not part of it.
    pub fn links(&self) -> Vec<String> {
        find_links(&self.text_body())
    }

    fn parsed(&self) -> Option<Message<'_>> {
        MessageParser::default().parse(self.data.as_bytes())
    }
}

fn find_links(text: &str) -> Vec<String> {
    let mut links = Vec::new();
    let mut rest = text;
    while let Some(start) = [rest.find("http://"), rest.find("https://")].into_iter().flatten().min() {
        let candidate = &rest[start..];
        let end = candidate.find(|c: char| c.is_whitespace() || "<>\"'".contains(c)).unwrap_or(candidate.len());
        let link = candidate[..end].trim_end_matches(['.', ',', ';', ':', '!', '?', ')', ']']);
        if link.len() > "https://".len() {
            links.push(link.to_string());
        }
        rest = &candidate[end.max(1)..];
    }
    links
}

/// A running SMTP listener; it stops (and drops its connections) when dropped.
pub struct SmtpSink {
    addr: SocketAddr,
    shared: Arc<Shared>,
    server: JoinHandle<()>,
}

impl fmt::Debug for SmtpSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSink").field("addr", &self.addr).field("count", &self.count()).finish()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl SmtpSink {
    /// Listens on `127.0.0.1` on a free port, keeping messages in memory.
    pub async fn start() -> Self {
        Self::start_on(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await.expect("bind the SMTP sink to 127.0.0.1:0")
    }

    /// Listens on `addr`, keeping messages in memory.
    pub async fn start_on(addr: SocketAddr) -> io::Result<Self> {
        Self::start_with(addr, SinkOptions::default()).await
    }

    /// Listens on `addr` with the given options (for instance to log to a directory).
    pub async fn start_with(addr: SocketAddr, options: SinkOptions) -> io::Result<Self> {
        let log = match &options.log_dir {
            Some(dir) => Some(Mutex::new(MailLog::open(dir, options.write_eml)?)),
            None => None,
        };
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            keep_messages: options.keep_messages,
            received: Mutex::new(Vec::new()),
            count: watch::Sender::new(0),
            rcpt_replies: Mutex::new(HashMap::new()),
            log,
        });
        let server = tokio::spawn(serve(listener, Arc::clone(&shared)));
        Ok(Self { addr, shared, server })
    }

    /// The address the sink listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `smtp://HOST:PORT`, for lettre's `AsyncSmtpTransport::from_url` or Masthead's mail settings.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// The messages received since start or the last [`clear`](Self::clear), oldest first (empty
    /// when [`SinkOptions::keep_messages`] is off).
    pub fn messages(&self) -> Vec<ReceivedMail> {
        lock(&self.shared.received).clone()
    }

    /// How many messages arrived since start or the last [`clear`](Self::clear).
    pub fn count(&self) -> usize {
        *self.shared.count.borrow()
    }

    /// Waits until at least `count` messages have arrived, then returns [`messages`](Self::messages).
    ///
    /// # Panics
    /// After `timeout`, listing what did arrive.
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Vec<ReceivedMail> {
        let mut counter = self.shared.count.subscribe();
        if tokio::time::timeout(timeout, counter.wait_for(|&n| n >= count)).await.is_err() {
            let received = self.messages();
            let mut report = format!(
                "SmtpSink on {}: expected at least {count} message(s) within {timeout:?}, but {} arrived",
                self.addr,
                self.count()
            );
            for (i, mail) in received.iter().enumerate() {
                let subject = mail.subject().unwrap_or_else(|| "(no subject)".to_string());
                report.push_str(&format!("\n  {}. from <{}> to {:?}: {subject}", i + 1, mail.mail_from, mail.rcpt_to));
            }
            panic!("{report}");
        }
        self.messages()
    }

    /// Forgets the messages received so far and resets [`count`](Self::count) to zero. The
    /// directory log (if any) keeps its files and its sequence numbers.
    pub fn clear(&self) {
        let mut received = lock(&self.shared.received);
        received.clear();
        self.shared.count.send_replace(0);
    }

    /// Makes `RCPT TO` for `address` (case-insensitive) answer `code text`, e.g. `450` with
    /// `"4.2.1 Mailbox busy, try later"` or `550` with `"5.1.1 No such user"`. With `Some(n)` only
    /// the next `n` attempts get that answer and later ones are accepted; with `None` every
    /// attempt does. A new call for the same address replaces the previous one (`Some(0)` removes
    /// it). A 2xx code accepts the recipient with that text.
    ///
    /// # Panics
    /// If `code` is not a reply code (200..=599) or `text` has a line break.
    pub fn reply_to_rcpt(&self, address: &str, code: u16, text: &str, times: Option<usize>) {
        assert!((200..600).contains(&code), "reply_to_rcpt: {code} is not an SMTP reply code (200..=599)");
        assert!(!text.contains(['\r', '\n']), "reply_to_rcpt: the reply text must be a single line");
        let mut replies = lock(&self.shared.rcpt_replies);
        let key = address.to_lowercase();
        if times == Some(0) {
            replies.remove(&key);
        } else {
            replies.insert(key, ScriptedReply { code, text: text.to_string(), remaining: times });
        }
    }
}

struct ScriptedReply {
    code: u16,
    text: String,
    remaining: Option<usize>,
}

struct Shared {
    keep_messages: bool,
    received: Mutex<Vec<ReceivedMail>>,
    /// The count since the last clear; `wait_for` watches it.
    count: watch::Sender<usize>,
    rcpt_replies: Mutex<HashMap<String, ScriptedReply>>,
    log: Option<Mutex<MailLog>>,
}

impl Shared {
    /// Logs and keeps one complete message; an error means it was not recorded.
    fn record(&self, mail: ReceivedMail) -> io::Result<()> {
        if let Some(log) = &self.log {
            let summary = LogSummary::of(&mail);
            lock(log).append(&mail, summary)?;
        }
        let mut received = lock(&self.received);
        if self.keep_messages {
            received.push(mail);
        }
        self.count.send_modify(|count| *count += 1);
        Ok(())
    }

    /// The scripted reply for this recipient, if one applies to this attempt.
    fn scripted_rcpt_reply(&self, address: &str) -> Option<(u16, String)> {
        let mut replies = lock(&self.rcpt_replies);
        if replies.is_empty() {
            return None;
        }
        let key = address.to_lowercase();
        let reply = replies.get_mut(&key)?;
        let answer = (reply.code, reply.text.clone());
        if let Some(remaining) = reply.remaining.as_mut() {
            *remaining -= 1;
            if *remaining == 0 {
                replies.remove(&key);
            }
        }
        Some(answer)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The directory log described on [`SinkOptions::log_dir`].
struct MailLog {
    dir: PathBuf,
    write_eml: bool,
    jsonl: File,
    seq: u64,
}

/// What the JSON line says about a message, worked out before taking the log's lock.
struct LogSummary {
    message_id: Option<String>,
    subject: Option<String>,
}

impl LogSummary {
    fn of(mail: &ReceivedMail) -> Self {
        let parsed = mail.parsed();
        let message = parsed.as_ref();
        Self {
            message_id: message.and_then(Message::message_id).map(str::to_string),
            subject: message.and_then(Message::subject).map(str::to_string),
        }
    }
}

impl MailLog {
    fn open(dir: &Path, write_eml: bool) -> io::Result<Self> {
        fs::create_dir_all(dir)?;
        for entry in fs::read_dir(dir)? {
            let path = entry?.path();
            let is_old_eml = path.extension().is_some_and(|ext| ext == "eml")
                && path
                    .file_stem()
                    .and_then(|stem| stem.to_str())
                    .is_some_and(|stem| !stem.is_empty() && stem.bytes().all(|b| b.is_ascii_digit()));
            if is_old_eml {
                fs::remove_file(&path)?;
            }
        }
        let jsonl = File::create(dir.join(JSONL_LOG))?;
        Ok(Self { dir: dir.to_path_buf(), write_eml, jsonl, seq: 0 })
    }

    fn append(&mut self, mail: &ReceivedMail, summary: LogSummary) -> io::Result<()> {
        let seq = self.seq + 1;
        if self.write_eml {
            let name = format!("{seq:08}.eml");
            let temporary = self.dir.join(format!(".{name}.tmp"));
            fs::write(&temporary, mail.data.as_bytes())?;
            fs::rename(&temporary, self.dir.join(name))?;
        }
        let line = serde_json::json!({
            "seq": seq,
            "rcpt_to": mail.rcpt_to,
            "message_id": summary.message_id,
            "subject": summary.subject,
        });
        let mut line = serde_json::to_vec(&line).map_err(io::Error::other)?;
        line.push(b'\n');
        // One write per line on a file without buffering: a reader never sees half a line.
        self.jsonl.write_all(&line)?;
        self.seq = seq;
        Ok(())
    }
}

async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    // Dropping the set (when the sink is dropped and this task aborted) aborts every connection.
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let shared = Arc::clone(&shared);
                    // A connection's I/O error only ends that connection.
                    connections.spawn(async move { _ = Session::new(&shared).run(stream).await });
                }
                // Out of file descriptors or similar: back off rather than spin.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// One SMTP connection and its mail transaction.
struct Session<'a> {
    shared: &'a Shared,
    mail_from: Option<String>,
    rcpt_to: Vec<String>,
}

impl<'a> Session<'a> {
    fn new(shared: &'a Shared) -> Self {
        Self { shared, mail_from: None, rcpt_to: Vec::new() }
    }

    fn reset(&mut self) {
        self.mail_from = None;
        self.rcpt_to.clear();
    }

    async fn run(mut self, stream: TcpStream) -> io::Result<()> {
        stream.set_nodelay(true)?;
        let (read, write) = stream.into_split();
        let mut reader = BufReader::with_capacity(64 * 1024, read);
        let mut writer = BufWriter::with_capacity(16 * 1024, write);
        let mut line = Vec::with_capacity(1024);
        writer.write_all(format!("220 {HOSTNAME} ESMTP ready\r\n").as_bytes()).await?;
        loop {
            // Replies to pipelined commands go out together, once no more input is waiting.
            if reader.buffer().is_empty() {
                writer.flush().await?;
                quick_ack(&reader);
            }
            line.clear();
            if reader.read_until(b'\n', &mut line).await? == 0 {
                return Ok(());
            }
            let command = String::from_utf8_lossy(trim_line_end(&line)).into_owned();
            let (verb, argument) = command.split_once(' ').unwrap_or((&command, ""));
            let reply = match verb.to_ascii_uppercase().as_str() {
                "EHLO" => {
                    self.reset();
                    format!(
                        "250-{HOSTNAME} greets {}\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n\
                         250 SIZE {MAX_MESSAGE_SIZE}",
                        argument.trim()
                    )
                }
                "HELO" => {
                    self.reset();
                    format!("250 {HOSTNAME}")
                }
                "MAIL" => self.mail(argument),
                "RCPT" => self.rcpt(argument),
                "DATA" => match (&self.mail_from, self.rcpt_to.is_empty()) {
                    (None, _) => "503 5.5.1 MAIL FROM first".to_string(),
                    (Some(_), true) => "503 5.5.1 RCPT TO first".to_string(),
                    (Some(_), false) => {
                        writer.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await?;
                        let data = read_data(&mut reader, &mut writer, &mut line).await?;
                        self.finish_data(data)
                    }
                },
                "RSET" => {
                    self.reset();
                    "250 2.0.0 Ok".to_string()
                }
                "NOOP" => "250 2.0.0 Ok".to_string(),
                "QUIT" => {
                    writer.write_all(b"221 2.0.0 Bye\r\n").await?;
                    writer.flush().await?;
                    return Ok(());
                }
                _ => "502 5.5.2 Command not implemented".to_string(),
            };
            writer.write_all(reply.as_bytes()).await?;
            writer.write_all(b"\r\n").await?;
        }
    }

    fn mail(&mut self, argument: &str) -> String {
        if self.mail_from.is_some() {
            return "503 5.5.1 Nested MAIL command".to_string();
        }
        match path_argument(argument, "FROM:") {
            Some(address) => {
                self.mail_from = Some(address);
                "250 2.1.0 Ok".to_string()
            }
            None => "501 5.5.4 Syntax: MAIL FROM:<address>".to_string(),
        }
    }

    fn rcpt(&mut self, argument: &str) -> String {
        if self.mail_from.is_none() {
            return "503 5.5.1 MAIL FROM first".to_string();
        }
        let Some(address) = path_argument(argument, "TO:").filter(|address| !address.is_empty()) else {
            return "501 5.5.4 Syntax: RCPT TO:<address>".to_string();
        };
        match self.shared.scripted_rcpt_reply(&address) {
            Some((code, text)) => {
                if (200..300).contains(&code) {
                    self.rcpt_to.push(address);
                }
                format!("{code} {text}")
            }
            None => {
                self.rcpt_to.push(address);
                "250 2.1.5 Ok".to_string()
            }
        }
    }

    fn finish_data(&mut self, data: Option<Vec<u8>>) -> String {
        let mail_from = self.mail_from.take().unwrap_or_default();
        let rcpt_to = std::mem::take(&mut self.rcpt_to);
        let Some(data) = data else {
            return format!("552 5.3.4 Message exceeds the {MAX_MESSAGE_SIZE} byte limit");
        };
        let data =
            String::from_utf8(data).unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned());
        match self.shared.record(ReceivedMail { mail_from, rcpt_to, data }) {
            Ok(()) => "250 2.0.0 Ok: queued".to_string(),
            Err(error) => format!("451 4.3.0 Could not store the message: {error}"),
        }
    }
}

/// Reads message data up to the lone `.` line, undoing dot-stuffing. `None` if it was too big.
async fn read_data(
    reader: &mut BufReader<OwnedReadHalf>,
    writer: &mut BufWriter<OwnedWriteHalf>,
    line: &mut Vec<u8>,
) -> io::Result<Option<Vec<u8>>> {
    let mut data = Vec::with_capacity(8 * 1024);
    let mut too_big = false;
    loop {
        if reader.buffer().is_empty() {
            writer.flush().await?;
            quick_ack(reader);
        }
        line.clear();
        if reader.read_until(b'\n', line).await? == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "connection closed during DATA"));
        }
        if trim_line_end(line) == b"." {
            return Ok((!too_big).then_some(data));
        }
        let content = line.strip_prefix(b".").unwrap_or(line);
        if data.len() + content.len() > MAX_MESSAGE_SIZE {
            too_big = true;
        }
        if !too_big {
            data.extend_from_slice(content);
        }
    }
}

/// Asks Linux to acknowledge the next segments at once instead of delaying the ACK by up to 40 ms.
///
/// lettre writes a message's content and its final `.` line in two writes; with Nagle's algorithm
/// on its side, the `.` waits for the ACK of the content, which a server that has nothing to say
/// yet delays. That costs about 44 ms per message; acknowledging at once makes it sub-millisecond.
/// The setting does not stick (the kernel drops it again as the conversation goes on), so it is
/// renewed before every read from the socket.
fn quick_ack(reader: &BufReader<OwnedReadHalf>) {
    #[cfg(target_os = "linux")]
    {
        let stream: &TcpStream = reader.get_ref().as_ref();
        // Only an optimisation: a failure costs speed, not correctness.
        let _ = socket2::SockRef::from(stream).set_tcp_quickack(true);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = reader;
}

fn trim_line_end(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// The address in `FROM:<a@b> PARAMS` or `TO:<a@b>` (keyword case-insensitive), without brackets.
fn path_argument(argument: &str, keyword: &str) -> Option<String> {
    let argument = argument.trim_start();
    let prefix = argument.get(..keyword.len())?;
    if !prefix.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let path = argument[keyword.len()..].trim_start();
    let address = match path.strip_prefix('<') {
        Some(rest) => &rest[..rest.find('>')?],
        None => path.split(' ').next().unwrap_or_default(),
    };
    Some(address.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(data: &str) -> ReceivedMail {
        ReceivedMail { mail_from: "a@example.org".into(), rcpt_to: vec!["b@example.org".into()], data: data.into() }
    }

    #[test]
    fn header_is_case_insensitive_and_unfolded() {
        let mail = mail("Subject: a long\r\n\tsubject\r\nX-Thing: one\r\nX-Thing: two\r\n\r\nX-Body: no\r\n");
        assert_eq!(mail.header("subject").as_deref(), Some("a long\tsubject"));
        assert_eq!(mail.header("X-THING").as_deref(), Some("one"));
        assert_eq!(mail.header("X-Body"), None);
    }

    #[test]
    fn base64_text_body_and_links() {
        // "Visit https://example.org/a?b=1. Or (http://x.example/y)!" in base64.
        let mail = mail(
            "Subject: =?utf-8?q?Caf=C3=A9?=\r\nMessage-ID: <id-1@example.org>\r\nContent-Type: text/plain; \
             charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n\
             VmlzaXQgaHR0cHM6Ly9leGFtcGxlLm9yZy9hP2I9MS4gT3IgKGh0dHA6Ly94LmV4YW1wbGUveSkh\r\n",
        );
        assert_eq!(mail.subject().as_deref(), Some("Café"));
        assert_eq!(mail.message_id().as_deref(), Some("id-1@example.org"));
        assert_eq!(mail.text_body(), "Visit https://example.org/a?b=1. Or (http://x.example/y)!");
        assert_eq!(mail.links(), ["https://example.org/a?b=1", "http://x.example/y"]);
        assert_eq!(mail.html_body(), None);
    }

    #[test]
    fn path_arguments() {
        assert_eq!(path_argument("FROM:<a@b.c> SIZE=10 BODY=8BITMIME", "FROM:").as_deref(), Some("a@b.c"));
        assert_eq!(path_argument("from: <>", "FROM:").as_deref(), Some(""));
        assert_eq!(path_argument("To:<X@Y.z>", "TO:").as_deref(), Some("X@Y.z"));
        assert_eq!(path_argument("TO:<broken", "TO:"), None);
        assert_eq!(path_argument("FROM:<a@b.c>", "TO:"), None);
    }
}
