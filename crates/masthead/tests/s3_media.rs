//! `masthead serve --s3-endpoint ... --s3-bucket ...` against a real S3-compatible server (moto's
//! server mode, see `masthead_test_utils::S3Server`): an image uploaded through the Admin API
//! lands in the bucket with its variants and is served from there, by this instance and by another
//! one that shares only the bucket.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use masthead_test_utils::S3Server;
use masthead_test_utils::s3::{TEST_S3_ACCESS_KEY_ID, TEST_S3_REGION, TEST_S3_SECRET_ACCESS_KEY};

const BIN: &str = env!("CARGO_BIN_EXE_masthead");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

/// `masthead <args> --data-dir <dir>` with the bucket's settings as an operator gives them: the
/// flags, and the credentials in `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`. Any other `AWS_*`
/// variable of the test's environment is left out.
fn masthead(dir: &Path, s3: &S3Server, args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command.args(args).arg("--data-dir").arg(dir).args([
        "--s3-endpoint",
        s3.endpoint(),
        "--s3-bucket",
        s3.bucket(),
        "--s3-region",
        TEST_S3_REGION,
    ]);
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(|name| name.starts_with("AWS_")) {
            command.env_remove(name);
        }
    }
    command
        .env("MASTHEAD_VOICE_INSTALL", "off")
        .env("AWS_ACCESS_KEY_ID", TEST_S3_ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", TEST_S3_SECRET_ACCESS_KEY)
        .env_remove("MASTHEAD_SMTP_URL");
    command
}

/// A running `masthead serve`, killed on drop.
struct Server {
    child: Child,
    origin: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(dir: &Path, s3: &S3Server) -> Self {
        let port = free_port();
        let mut child = masthead(dir, s3, &["serve", "--no-demo", "--listen", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start masthead");
        let stdout = child.stdout.take().expect("stdout");
        let (ready_tx, ready_rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if line.starts_with("Masthead is serving") {
                    let _ = ready_tx.send(());
                }
            }
        });
        let server = Self { child, origin: format!("http://127.0.0.1:{port}") };
        ready_rx.recv_timeout(Duration::from_secs(60)).expect("masthead started");
        server
    }
}

#[tokio::test]
async fn serve_keeps_uploads_in_an_s3_bucket_and_serves_them_from_it() {
    let Some(s3) = S3Server::start().await else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let mut owner = masthead(
        dir.path(),
        &s3,
        &["user", "add", "--email", "owner@example.org", "--name", "Olena Owner", "--role", "owner"],
    )
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("run masthead user add");
    writeln!(owner.stdin.take().expect("stdin"), "a long enough secret").expect("write the password");
    let owner = owner.wait_with_output().expect("finish");
    assert!(owner.status.success(), "{}", String::from_utf8_lossy(&owner.stderr));
    let added = masthead(dir.path(), &s3, &["integration", "add", "--name", "Photo desk"]).output().expect("run");
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let added = String::from_utf8_lossy(&added.stdout);
    let admin_key = added
        .lines()
        .find_map(|line| line.trim().strip_prefix("Admin API key:"))
        .map(str::trim)
        .expect("the Admin API key is printed");
    let server = Server::start(dir.path(), &s3);

    let mut photo = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(image::RgbImage::from_pixel(1200, 800, image::Rgb([160, 90, 0])))
        .write_to(&mut photo, image::ImageFormat::Png)
        .expect("png");
    let boundary = "masthead-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"Ferry.png\"\r\nContent-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend(photo.into_inner());
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    let token = masthead_app::integrations::sign_admin_token(admin_key, masthead_core::now()).expect("a token");
    let http = reqwest::Client::builder().no_proxy().build().expect("an HTTP client");
    let uploaded = http
        .post(format!("{}/ghost/api/admin/images/upload/", server.origin))
        .header("authorization", format!("Ghost {token}"))
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .expect("upload");
    let status = uploaded.status();
    let answer: serde_json::Value =
        serde_json::from_slice(&uploaded.bytes().await.expect("the answer")).expect("a JSON answer");
    assert_eq!(status, 201, "{answer}");
    let url = answer["images"][0]["url"].as_str().expect("url");
    let relative = url.split_once("/content/images/").map(|(_, rest)| rest.to_owned()).expect("an image URL");
    // An opaque PNG is stored as a JPEG.
    assert!(relative.contains("/ferry-") && relative.ends_with(".jpg"), "{url}");

    let mut expected = vec![format!("images/{relative}")];
    for width in masthead_core::IMAGE_WIDTHS {
        expected.push(format!("images/size/w{width}/{relative}"));
        expected.push(format!("images/size/w{width}/format/webp/{relative}"));
    }
    expected.sort();
    assert_eq!(s3.keys().await, expected, "the upload and its variants are in the bucket");

    // Another instance with a database of its own shares only the bucket, and serves the image.
    let other_dir = tempfile::tempdir().expect("temp dir");
    let other = Server::start(other_dir.path(), &s3);
    for origin in [&server.origin, &other.origin] {
        for key in [format!("images/{relative}"), format!("images/size/w480/format/webp/{relative}")] {
            let served = http.get(format!("{origin}/content/{key}")).send().await.expect("GET the image");
            assert_eq!(served.status(), 200, "{origin}/content/{key}");
            let held = s3.object(&key).await.expect("in the bucket");
            assert_eq!(served.bytes().await.expect("body").as_ref(), held.as_slice(), "{origin}/content/{key}");
        }
    }
}
