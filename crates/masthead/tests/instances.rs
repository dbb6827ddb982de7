//! Two `masthead serve` instances on one PostgreSQL database behind nginx (Debian's package) as a
//! round-robin load balancer, checked through nginx as readers and staff see the site: changes
//! made through one instance reach pages served by both, sessions and limits are shared,
//! scheduled posts publish once, a newsletter reaches every reader once, media kept in S3 (moto's
//! server) is served by both, and both instances ride out a PostgreSQL restart.
//!
//! The database is a PostgreSQL cluster of the test's own (initdb in a temporary directory, run
//! as the `postgres` user), so stopping it disturbs no other test. nginx reports which instance
//! answered (`X-Upstream`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use masthead_test_utils::s3::{TEST_S3_ACCESS_KEY_ID, TEST_S3_REGION, TEST_S3_SECRET_ACCESS_KEY};
use masthead_test_utils::{HttpRecorder, S3Server, SmtpSink};
use serde_json::{Value, json};

const MASTHEAD: &str = env!("CARGO_BIN_EXE_masthead");

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Stops the test with a loud line outside CI when a part it needs is missing; fails in CI.
fn missing(what: &str) {
    assert!(!in_ci(), "the two-instance test needs {what}");
    eprintln!("\n!!! SKIPPING the two-instance test: {what} is missing (in CI this is a failure)\n");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("a free port").local_addr().expect("address").port()
}

fn run(command: &mut Command) {
    let output = command.output().unwrap_or_else(|e| panic!("{command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A PostgreSQL cluster of this test's own.
struct Cluster {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
}

impl Cluster {
    fn start() -> Option<Self> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(Result::ok)
            .map(|e| e.path().join("bin"))
            .find(|b| b.join("initdb").exists())?;
        let dir = tempfile::tempdir().expect("temporary directory");
        run(Command::new("chown").arg("-R").arg("postgres").arg(dir.path()));
        let data = dir.path().join("data");
        let initdb = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(bin.join("initdb"))
            .args(["-A", "trust", "-U", "postgres", "--no-sync", "-D"])
            .arg(&data)
            .output()
            .ok()?;
        if !initdb.status.success() {
            eprintln!("initdb: {}", String::from_utf8_lossy(&initdb.stderr));
            return None;
        }
        let cluster = Self { bin, dir, port: free_port() };
        cluster.start_server();
        Some(cluster)
    }

    fn pg_ctl(&self, args: &[&str]) -> Command {
        let mut command = Command::new("runuser");
        command
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.dir.path().join("data"))
            .args(args);
        command
    }

    fn start_server(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("server.log");
        run(&mut self.pg_ctl(&["-w", "-o", &options, "-l", &log.to_string_lossy(), "start"]));
    }

    fn stop_server(&self) {
        run(&mut self.pg_ctl(&["-w", "-m", "fast", "stop"]));
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/masthead", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.pg_ctl(&["-m", "immediate", "stop"]).output();
    }
}

/// One `masthead serve`.
struct Instance {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Instance {
    fn start(name: &str, database: &str, data: &Path, site: &str, smtp: &str, s3: &S3Server, port: u16) -> Self {
        let log = data.join(format!("{name}.log"));
        let mut command = Command::new(MASTHEAD);
        for (variable, _) in std::env::vars_os() {
            if variable.to_str().is_some_and(|v| v.starts_with("AWS_")) {
                command.env_remove(variable);
            }
        }
        let child = command
            .arg("serve")
            .args(["--no-demo", "--listen", &format!("127.0.0.1:{port}"), "--site-url", site])
            .args([
                "--database-url",
                database,
                "--instance",
                name,
                "--smtp-url",
                smtp,
                "--trusted-proxies",
                "127.0.0.1",
            ])
            .arg("--webhooks-allow-private")
            .args(["--s3-endpoint", s3.endpoint(), "--s3-bucket", s3.bucket(), "--s3-region", TEST_S3_REGION])
            .env("AWS_ACCESS_KEY_ID", TEST_S3_ACCESS_KEY_ID)
            .env("AWS_SECRET_ACCESS_KEY", TEST_S3_SECRET_ACCESS_KEY)
            .arg("--data-dir")
            .arg(data.join(name))
            .env("MASTHEAD_LOG", "info,sqlx=warn")
            .env("MASTHEAD_VOICE_INSTALL", "off")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("start masthead");
        let instance = Self { child, port, log };
        instance.wait_until_serving();
        instance
    }

    fn wait_until_serving(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "instance on {} did not start: {}",
                self.port,
                std::fs::read_to_string(&self.log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// nginx in front of the instances, round robin.
struct Nginx {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Nginx {
    fn start(upstreams: &[u16]) -> Option<Self> {
        let nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"].into_iter().find(|p| Path::new(p).exists())?;
        let dir = tempfile::tempdir().expect("temporary directory");
        let port = free_port();
        let servers: String = upstreams.iter().map(|p| format!("server 127.0.0.1:{p};")).collect();
        let d = dir.path().display();
        let config = format!(
            "user root; master_process off; daemon off; pid {d}/nginx.pid; error_log {d}/error.log;\n\
             events {{ worker_connections 1024; }}\n\
             http {{ access_log off; client_body_temp_path {d}/body; proxy_temp_path {d}/proxy;\n\
               fastcgi_temp_path {d}/fastcgi; uwsgi_temp_path {d}/uwsgi; scgi_temp_path {d}/scgi;\n\
               upstream masthead {{ {servers} }}\n\
               server {{ listen 127.0.0.1:{port};\n\
                 location / {{ proxy_pass http://masthead; proxy_set_header Host $http_host;\n\
                   proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n\
                   proxy_next_upstream off; add_header X-Upstream $upstream_addr always; }} }} }}\n"
        );
        let path = dir.path().join("nginx.conf");
        std::fs::write(&path, config).expect("nginx.conf");
        let child =
            Command::new(nginx).arg("-c").arg(&path).arg("-p").arg(dir.path()).stderr(Stdio::null()).spawn().ok()?;
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "nginx did not start: {}",
                std::fs::read_to_string(dir.path().join("error.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(Self { child, port, _dir: dir })
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn masthead(args: &[&str], database: &str, data: &Path, stdin: Option<&str>) -> String {
    let mut command = Command::new(MASTHEAD);
    command
        .args(args)
        .args(["--database-url", database])
        .arg("--data-dir")
        .arg(data)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("run masthead");
    if let Some(input) = stdin {
        use std::io::Write;
        child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write stdin");
    }
    let output = child.wait_with_output().expect("masthead finished");
    assert!(output.status.success(), "masthead {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

struct Answer {
    status: u16,
    upstream: String,
    headers: reqwest::header::HeaderMap,
    body: String,
}

struct Site {
    client: reqwest::Client,
    nginx: String,
    admin_key: String,
}

impl Site {
    async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.expect("answer");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let upstream = headers.get("x-upstream").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        Answer { status, upstream, headers, body: response.text().await.unwrap_or_default() }
    }

    async fn get(&self, path: &str) -> Answer {
        self.send(self.client.get(format!("{}{path}", self.nginx))).await
    }

    /// An Admin API call straight to one instance, signed as Ghost's clients sign it.
    async fn admin(&self, instance: &str, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let token = masthead_app::integrations::sign_admin_token(&self.admin_key, masthead_core::now()).expect("token");
        let mut request = self
            .client
            .request(method, format!("{instance}/ghost/api/admin/{path}"))
            .header("authorization", format!("Ghost {token}"));
        if let Some(body) = body {
            request = request.header("content-type", "application/json").body(body.to_string());
        }
        let answer = self.send(request).await;
        assert!(answer.status < 300, "{path}: {} {}", answer.status, answer.body);
        serde_json::from_str(&answer.body).unwrap_or(Value::Null)
    }

    /// Polls `path` through nginx until answers from both instances satisfy `ok`; how long it took.
    async fn until_both(&self, path: &str, within: Duration, ok: impl Fn(&Answer) -> bool) -> Duration {
        let started = Instant::now();
        let mut satisfied: BTreeMap<String, bool> = BTreeMap::new();
        loop {
            let answer = self.get(path).await;
            satisfied.insert(answer.upstream.clone(), ok(&answer));
            if satisfied.len() == 2 && satisfied.values().all(|v| *v) {
                return started.elapsed();
            }
            assert!(started.elapsed() < within, "{path}: not shown by both instances within {within:?}: {satisfied:?}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_behind_nginx_behave_as_one_site() {
    let Some(cluster) = Cluster::start() else { return missing("PostgreSQL's initdb run as the postgres user (root)") };
    let work = tempfile::tempdir().expect("work directory");
    let database = cluster.url();
    let sink = SmtpSink::start().await;
    let (port_a, port_b) = (free_port(), free_port());
    // nginx first: the site's address (and so its links) is nginx's.
    let Some(nginx) = Nginx::start(&[port_a, port_b]) else { return missing("nginx (apt-get install nginx)") };
    let Some(s3) = S3Server::start().await else { return };
    let site = nginx.url();
    masthead(&["migrate"], &database, work.path(), None);
    let password = Some("a long enough secret\n");
    masthead(
        &["user", "add", "--email", "olga@example.org", "--name", "Olga Owner", "--role", "owner"],
        &database,
        work.path(),
        password,
    );
    masthead(
        &["user", "add", "--email", "ed@example.org", "--name", "Ed Itor", "--role", "editor"],
        &database,
        work.path(),
        password,
    );
    let keys = masthead(&["integration", "add", "--name", "Wire desk"], &database, work.path(), None);
    let admin_key =
        keys.lines().find_map(|l| l.trim().strip_prefix("Admin API key:")).expect("admin key").trim().to_owned();
    let a = Instance::start("a", &database, work.path(), &site, &sink.url(), &s3, port_a);
    let b = Instance::start("b", &database, work.path(), &site, &sink.url(), &s3, port_b);
    let client =
        reqwest::Client::builder().no_proxy().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let site = Site { client, nginx: nginx.url(), admin_key };
    let second = Duration::from_secs(1);
    site.admin(
        &a.url(),
        reqwest::Method::POST,
        "newsletters/",
        Some(json!({ "newsletters": [{ "name": "Morning Brief" }] })),
    )
    .await;

    // Round robin: both instances answer, and both have the front page cached.
    let upstreams: BTreeSet<String> = answering(&site, "/", 6).await;
    assert_eq!(upstreams.len(), 2, "{upstreams:?}");

    // A story published through instance A shows on pages served by both within a second.
    let created = site
        .admin(
            &a.url(),
            reqwest::Method::POST,
            "posts/?source=html",
            Some(json!({ "posts": [{
        "title": "Bridges reopen at dawn", "html": "<p>The bridges reopened.</p>", "status": "published"
    }] })),
        )
        .await;
    let post = &created["posts"][0];
    let (id, slug) = (post["id"].as_str().expect("id").to_owned(), post["slug"].as_str().expect("slug").to_owned());
    site.until_both("/", second, |r| r.body.contains("Bridges reopen at dawn")).await;
    site.until_both(&format!("/{slug}/"), second, |r| r.status == 200).await;

    // An edited headline through instance B, likewise.
    let edited = site
        .admin(
            &b.url(),
            reqwest::Method::PUT,
            &format!("posts/{id}/"),
            Some(json!({ "posts": [{
        "title": "Bridges reopen before dawn", "updated_at": post["updated_at"]
    }] })),
        )
        .await;
    assert_eq!(edited["posts"][0]["title"], "Bridges reopen before dawn");
    site.until_both(&format!("/{slug}/"), second, |r| r.body.contains("Bridges reopen before dawn")).await;
    site.until_both("/", second, |r| {
        r.body.contains("Bridges reopen before dawn") && !r.body.contains("Bridges reopen at dawn")
    })
    .await;

    // A deleted story, likewise.
    site.admin(&a.url(), reqwest::Method::DELETE, &format!("posts/{id}/"), None).await;
    site.until_both(&format!("/{slug}/"), second, |r| r.status == 404).await;
    site.until_both("/", second, |r| !r.body.contains("Bridges reopen")).await;

    // The live feed: a reader's stream on instance B, and one through nginx, receive an item
    // posted through instance A (the change bus carries it); both instances' pages show it.
    let mut on_b = site.client.get(format!("{}/news/events", b.url())).send().await.expect("stream on B");
    let mut via_nginx = site.client.get(format!("{}/news/events", site.nginx)).send().await.expect("stream via nginx");
    assert_eq!((on_b.status().as_u16(), via_nginx.status().as_u16()), (200, 200));
    site.admin(
        &a.url(),
        reqwest::Method::POST,
        "feed_items/",
        Some(json!({ "feed_items": [{ "headline": "Checkpoints reopen on the ring road", "markdown": "Queues are short." }] })),
    )
    .await;
    for stream in [&mut on_b, &mut via_nginx] {
        until_streamed(stream, "Checkpoints reopen on the ring road", second).await;
    }
    site.until_both("/news/", second, |r| r.body.contains("Checkpoints reopen on the ring road")).await;
    drop((on_b, via_nginx));

    // A staff session opened through instance A works on instance B.
    let signin = site
        .send(
            site.client
                .post(format!("{}/admin/signin/", a.url()))
                .header("origin", &site.nginx)
                .header("content-type", "application/x-www-form-urlencoded")
                .body("email=ed%40example.org&password=a+long+enough+secret"),
        )
        .await;
    assert_eq!(signin.status, 303, "{}", signin.body);
    let cookie = signin
        .headers
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|c| c.split(';').next())
        .expect("session cookie")
        .to_owned();
    let dashboard = site.send(site.client.get(format!("{}/admin/", b.url())).header("cookie", &cookie)).await;
    assert_eq!(dashboard.status, 200, "the session opened on A is known to B");
    assert!(dashboard.body.contains("Ed Itor"));

    // The sign-up limit holds across both: one client, requests alternating between instances.
    let mut accepted = 0;
    let mut refused = 0;
    for n in 0..30 {
        let answer = site
            .send(
                site.client
                    .post(format!("{}/subscribe/", site.nginx))
                    .header("sec-fetch-site", "same-origin")
                    .header("x-forwarded-for", "198.51.100.23")
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(format!("email=reader{n}%40example.org")),
            )
            .await;
        match answer.status {
            200 => accepted += 1,
            429 => refused += 1,
            other => panic!("sign-up answered {other}: {}", answer.body),
        }
    }
    assert_eq!((accepted, refused), (20, 10), "twenty an hour from one client, across both instances");

    // A scheduled post publishes once: one post.published webhook delivery.
    let hooks = HttpRecorder::start().await;
    site.admin(
        &a.url(),
        reqwest::Method::POST,
        "webhooks/",
        Some(json!({ "webhooks": [{ "event": "post.published", "target_url": format!("{}/hook", hooks.url()) }] })),
    )
    .await;
    let at = time::OffsetDateTime::now_utc() + time::Duration::seconds(3);
    let at = at.format(&time::format_description::well_known::Rfc3339).expect("time");
    site.admin(
        &b.url(),
        reqwest::Method::POST,
        "posts/",
        Some(json!({ "posts": [{ "title": "Curfew lifted at noon", "status": "scheduled", "published_at": at }] })),
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while hooks.requests().is_empty() {
        assert!(Instant::now() < deadline, "the scheduled post was not published");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let published: Vec<Value> = hooks.requests().iter().map(|r| r.json()).collect();
    assert_eq!(published.len(), 1, "published once: {published:?}");
    site.until_both("/curfew-lifted-at-noon/", second, |r| r.status == 200).await;

    // A newsletter sent while both instances run reaches every reader once.
    for n in 0..40 {
        site.admin(
            &a.url(),
            reqwest::Method::POST,
            "members/",
            Some(json!({ "members": [{
            "email": format!("subscriber{n}@example.org"), "newsletters": [{ "slug": "morning-brief" }]
        }] })),
        )
        .await;
    }
    let before = sink.count();
    site.admin(
        &b.url(),
        reqwest::Method::POST,
        "posts/?newsletter=morning-brief&source=html",
        Some(json!({ "posts": [{
        "title": "Evening edition", "html": "<p>News of the day.</p>", "status": "published"
    }] })),
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(60);
    while newsletter_mail(&sink, before).len() < 40 {
        assert!(
            Instant::now() < deadline,
            "the newsletter did not reach every reader: {}",
            newsletter_mail(&sink, before).len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Both senders have finished; nothing more arrives.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mail = newsletter_mail(&sink, before);
    let recipients: BTreeSet<&String> = mail.iter().map(|(to, _)| to).collect();
    let message_ids: BTreeSet<&String> = mail.iter().map(|(_, id)| id).collect();
    assert_eq!(recipients.len(), 40, "every subscriber");
    assert_eq!(mail.len(), 40, "nobody twice");
    assert_eq!(message_ids.len(), 40, "one Message-ID per reader");

    // An image uploaded through instance A is kept in the bucket and served by both.
    let mut photo = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(image::RgbImage::from_pixel(640, 400, image::Rgb([40, 90, 160])))
        .write_to(&mut photo, image::ImageFormat::Jpeg)
        .expect("jpeg");
    let boundary = "masthead-boundary";
    let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"harbour.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n").into_bytes();
    body.extend(photo.into_inner());
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    let token = masthead_app::integrations::sign_admin_token(&site.admin_key, masthead_core::now()).expect("token");
    let uploaded = site
        .send(
            site.client
                .post(format!("{}/ghost/api/admin/images/upload/", a.url()))
                .header("authorization", format!("Ghost {token}"))
                .header("content-type", format!("multipart/form-data; boundary={boundary}"))
                .body(body),
        )
        .await;
    assert_eq!(uploaded.status, 201, "{}", uploaded.body);
    let url: Value = serde_json::from_str(&uploaded.body).expect("JSON");
    let key = url["images"][0]["url"]
        .as_str()
        .and_then(|u| u.split_once("/content/"))
        .map(|(_, key)| key.to_owned())
        .expect("an image URL");
    let held = s3.object(&key).await.expect("the original is in the bucket");
    let mut served_by = BTreeSet::new();
    for _ in 0..4 {
        let response = site.client.get(format!("{}/content/{key}", site.nginx)).send().await.expect("image");
        assert_eq!(response.status(), 200);
        served_by
            .insert(response.headers().get("x-upstream").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned());
        assert_eq!(response.bytes().await.expect("bytes").as_ref(), held.as_slice(), "the bucket's bytes");
    }
    assert_eq!(served_by.len(), 2, "both instances serve it: {served_by:?}");

    // PostgreSQL stops: cached pages are still served; others get a clear 503; both instances
    // recover by themselves when it is back, and hear each other's changes again.
    site.get("/").await;
    site.get("/").await;
    cluster.stop_server();
    let cached = site.get("/").await;
    assert_eq!(cached.status, 200, "the cached front page is still served");
    let uncached = site.get("/tag/never-visited/").await;
    assert_eq!(uncached.status, 503, "{}", uncached.body);
    assert!(uncached.headers.contains_key("retry-after"));
    cluster.start_server();
    site.until_both("/author/olga-owner/", Duration::from_secs(30), |r| r.status == 200).await;
    site.admin(
        &a.url(),
        reqwest::Method::POST,
        "posts/?source=html",
        Some(json!({ "posts": [{
        "title": "Power restored", "html": "<p>The lights are back.</p>", "status": "published"
    }] })),
    )
    .await;
    site.until_both("/", Duration::from_secs(5), |r| r.body.contains("Power restored")).await;
    drop((a, b));
}

/// Reads a live-feed stream until `text` arrives; fails after `within`.
async fn until_streamed(stream: &mut reqwest::Response, text: &str, within: Duration) {
    let started = Instant::now();
    let mut seen = String::new();
    while !seen.contains(text) {
        let left = within.saturating_sub(started.elapsed());
        let chunk = tokio::time::timeout(left, stream.chunk())
            .await
            .unwrap_or_else(|_| panic!("{text:?} not streamed within {within:?}; received {seen:?}"))
            .expect("the stream")
            .expect("the stream stays open");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
}

/// (recipient, Message-ID) of the newsletter messages received after `before`.
fn newsletter_mail(sink: &SmtpSink, before: usize) -> Vec<(String, String)> {
    sink.messages()[before..]
        .iter()
        .filter(|m| m.subject().is_some_and(|s| s.contains("Evening edition")))
        .flat_map(|m| m.rcpt_to.iter().map(|to| (to.clone(), m.message_id().unwrap_or_default())).collect::<Vec<_>>())
        .collect()
}

/// The instances that answered `count` requests for `path` through nginx.
async fn answering(site: &Site, path: &str, count: usize) -> BTreeSet<String> {
    let mut upstreams = BTreeSet::new();
    for _ in 0..count {
        upstreams.insert(site.get(path).await.upstream);
    }
    upstreams
}
