//! A real S3-compatible server for tests: moto's server mode (`moto_server`, from PyPI's
//! `moto[server]`, which `./test.sh` installs), one process per [`S3Server`] on a free port of
//! 127.0.0.1, with a fresh bucket, killed when the value is dropped (a test binary killed outright
//! leaves its servers running).
//!
//! ```text
//! let Some(s3) = S3Server::start().await else { return }; // moto is not installed (outside CI)
//! let media = s3.media_store();
//! media.save_jpeg_with_variants("2026/11/a.jpg", image).await?;
//! assert!(s3.keys().await.contains(&"images/2026/11/a.jpg".to_owned()));
//! ```
//!
//! What a test checks goes through S3's own API ([`keys`](S3Server::keys) lists the bucket with
//! `ListObjectsV2`, [`object`](S3Server::object) reads an object), never through Masthead's
//! media code. These requests are signed (AWS Signature Version 4) with the test credentials:
//! moto refuses an anonymous read of a private object, as S3 does, though it does not verify
//! signatures.

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::sync::Once;
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use masthead_media::{MediaStore, S3Settings};
use rand::Rng;
use sha2::{Digest, Sha256};

/// The command that runs moto's server mode.
pub const MOTO_SERVER: &str = "moto_server";
/// Credentials for the test server (moto accepts any), given to stores explicitly, never through
/// the process's environment, so tests running in parallel cannot see each other's settings.
pub const TEST_S3_ACCESS_KEY_ID: &str = "masthead-test-key";
pub const TEST_S3_SECRET_ACCESS_KEY: &str = "masthead-test-secret";
pub const TEST_S3_REGION: &str = "us-east-1";
/// How long moto may take to start answering (it imports every AWS service it fakes: a second
/// or two on an idle machine, more while the test suite compiles and runs beside it).
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// What moto's web server (werkzeug) prints once it listens, followed by the port.
const LISTENING: &str = "Running on http://127.0.0.1:";

/// A running moto server with one bucket of its own. Dropping it kills the process.
pub struct S3Server {
    child: Child,
    endpoint: String,
    bucket: String,
    http: reqwest::Client,
    log: tempfile::NamedTempFile,
}

impl std::fmt::Debug for S3Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Server").field("endpoint", &self.endpoint).field("bucket", &self.bucket).finish()
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl S3Server {
    /// Starts moto on a free port and creates a fresh bucket. When `moto_server` is not
    /// installed, outside CI this prints one loud line and returns `None` (the test then returns
    /// early); in CI (`CI=true`) it fails the test.
    pub async fn start() -> Option<Self> {
        let http =
            reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(30)).build().expect("an HTTP client");
        let log = tempfile::NamedTempFile::new().expect("a file for moto's log");
        // One open file for both streams, so their writes share an offset instead of overwriting.
        let output = log.reopen().expect("moto's log");
        let errors = output.try_clone().expect("moto's log");
        // Port 0: the system picks a free port as moto binds it, so two servers starting at once
        // cannot race for one port; moto prints which port it got.
        let spawned = Command::new(MOTO_SERVER)
            .args(["-H", "127.0.0.1", "-p", "0"])
            .stdin(Stdio::null())
            .stdout(output)
            .stderr(errors)
            .spawn();
        let child = match spawned {
            Ok(child) => child,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return not_installed(&e),
            Err(e) => panic!("could not run {MOTO_SERVER}: {e}"),
        };
        let mut server = Self { child, endpoint: String::new(), bucket: String::new(), http, log };
        if let Err(failure) = server.wait_until_answering().await {
            panic!("{MOTO_SERVER} did not start: {failure}");
        }
        server.bucket = server.create_bucket().await;
        Some(server)
    }

    /// Waits for moto to say which port it listens on, then until it answers there.
    async fn wait_until_answering(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("it exited ({status}):\n{}", self.log_text()));
            }
            if self.endpoint.is_empty()
                && let Some(port) = listening_port(&self.log_text())
            {
                self.endpoint = format!("http://127.0.0.1:{port}");
            }
            if !self.endpoint.is_empty()
                && self.http.get(&self.endpoint).send().await.is_ok_and(|r| r.status().is_success())
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("no answer within {START_TIMEOUT:?}:\n{}", self.log_text()));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }

    /// A request to `path` (`/bucket/key`) with a query, signed with the test credentials.
    fn signed(&self, method: reqwest::Method, path: &str, query: &[(&str, &str)]) -> reqwest::RequestBuilder {
        let mut url = reqwest::Url::parse(&format!("{}{path}", self.endpoint)).expect("an S3 URL");
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        let host = url.authority().to_owned();
        let now = time::OffsetDateTime::now_utc();
        let amz_date = format!(
            "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
            now.year(),
            u8::from(now.month()),
            now.day(),
            now.hour(),
            now.minute(),
            now.second()
        );
        let empty_payload = hex::encode(Sha256::digest(b""));
        let headers = [("host", host.as_str()), ("x-amz-content-sha256", &empty_payload), ("x-amz-date", &amz_date)];
        let request =
            SignedRequest { method: method.as_str(), path, query, headers: &headers, payload_sha256: &empty_payload };
        let authorization =
            request.authorization(TEST_S3_ACCESS_KEY_ID, TEST_S3_SECRET_ACCESS_KEY, TEST_S3_REGION, "s3");
        self.http
            .request(method, url)
            .header("x-amz-content-sha256", &empty_payload)
            .header("x-amz-date", &amz_date)
            .header("authorization", authorization)
    }

    /// Creates a bucket with a unique name (S3's `CreateBucket`) and returns the name.
    async fn create_bucket(&self) -> String {
        let bucket = format!("masthead-test-{:016x}", rand::rng().random::<u64>());
        let response =
            self.signed(reqwest::Method::PUT, &format!("/{bucket}"), &[]).send().await.expect("CreateBucket request");
        let status = response.status();
        assert!(status.is_success(), "CreateBucket {bucket}: {status} {}", response.text().await.unwrap_or_default());
        bucket
    }

    /// `http://127.0.0.1:PORT`, the endpoint an S3 client is pointed at.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// Settings for this server's bucket with explicit test credentials.
    pub fn settings(&self) -> S3Settings {
        S3Settings {
            bucket: self.bucket.clone(),
            endpoint: Some(self.endpoint.clone()),
            region: Some(TEST_S3_REGION.into()),
            access_key_id: Some(TEST_S3_ACCESS_KEY_ID.into()),
            secret_access_key: Some(TEST_S3_SECRET_ACCESS_KEY.into()),
        }
    }

    /// A media store on this server's bucket, as `masthead serve --s3-bucket` makes one. Each
    /// call makes a new store (a new client), as another instance of the site would.
    pub fn media_store(&self) -> MediaStore {
        MediaStore::s3(&self.settings()).expect("an S3 media store")
    }

    /// Every key in the bucket, sorted, listed with S3's `ListObjectsV2` (page after page).
    pub async fn keys(&self) -> Vec<String> {
        let mut keys = Vec::new();
        let mut continuation: Option<String> = None;
        loop {
            let mut query = vec![("list-type", "2")];
            if let Some(token) = &continuation {
                query.push(("continuation-token", token));
            }
            let response = self
                .signed(reqwest::Method::GET, &format!("/{}", self.bucket), &query)
                .send()
                .await
                .expect("ListObjectsV2 request");
            let status = response.status();
            let body = response.text().await.expect("ListObjectsV2 body");
            assert!(status.is_success(), "ListObjectsV2: {status} {body}");
            let document = roxmltree::Document::parse(&body).expect("ListObjectsV2 answers XML");
            let text_of = |name: &str| {
                document.descendants().find(|n| n.has_tag_name(name)).and_then(|n| n.text()).map(str::to_owned)
            };
            keys.extend(
                document
                    .descendants()
                    .filter(|n| n.has_tag_name("Contents"))
                    .filter_map(|n| n.children().find(|c| c.has_tag_name("Key")).and_then(|k| k.text()))
                    .map(str::to_owned),
            );
            if text_of("IsTruncated").as_deref() != Some("true") {
                break;
            }
            continuation = Some(text_of("NextContinuationToken").expect("a truncated listing names where to go on"));
        }
        keys.sort();
        keys
    }

    /// The bytes of the object at `key` (S3's `GetObject`), or `None` when there is none.
    pub async fn object(&self, key: &str) -> Option<Vec<u8>> {
        let response = self
            .signed(reqwest::Method::GET, &format!("/{}/{key}", self.bucket), &[])
            .send()
            .await
            .expect("GetObject request");
        match response.status() {
            reqwest::StatusCode::NOT_FOUND => None,
            status if status.is_success() => Some(response.bytes().await.expect("GetObject body").to_vec()),
            status => panic!("GetObject {key}: {status} {}", response.text().await.unwrap_or_default()),
        }
    }
}

/// A request to sign with AWS Signature Version 4: its headers in lowercase, sorted by name,
/// and the hex SHA-256 of its body.
struct SignedRequest<'a> {
    method: &'a str,
    path: &'a str,
    query: &'a [(&'a str, &'a str)],
    headers: &'a [(&'a str, &'a str)],
    payload_sha256: &'a str,
}

impl SignedRequest<'_> {
    /// The `Authorization` header; the `x-amz-date` header (`20261205T120000Z`) dates it.
    fn authorization(&self, access_key_id: &str, secret: &str, region: &str, service: &str) -> String {
        let amz_date =
            self.headers.iter().find(|(name, _)| *name == "x-amz-date").map(|(_, v)| *v).expect("x-amz-date");
        let date = &amz_date[..8];
        let mut query: Vec<(String, String)> =
            self.query.iter().map(|(k, v)| (uri_encode(k, true), uri_encode(v, true))).collect();
        query.sort();
        let query = query.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");
        let headers: String = self.headers.iter().map(|(name, value)| format!("{name}:{}\n", value.trim())).collect();
        let signed_headers = self.headers.iter().map(|(name, _)| *name).collect::<Vec<_>>().join(";");
        let canonical = format!(
            "{}\n{}\n{query}\n{headers}\n{signed_headers}\n{}",
            self.method,
            uri_encode(self.path, false),
            self.payload_sha256
        );
        let scope = format!("{date}/{region}/{service}/aws4_request");
        let to_sign =
            format!("AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}", hex::encode(Sha256::digest(canonical.as_bytes())));
        let key = [date, region, service, "aws4_request"]
            .iter()
            .fold(format!("AWS4{secret}").into_bytes(), |key, part| hmac_sha256(&key, part.as_bytes()));
        let signature = hex::encode(hmac_sha256(&key, to_sign.as_bytes()));
        format!(
            "AWS4-HMAC-SHA256 Credential={access_key_id}/{scope}, SignedHeaders={signed_headers}, Signature={signature}"
        )
    }
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// Percent-encodes all but S3's unreserved characters (and `/` in a path).
fn uri_encode(text: &str, encode_slash: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => out.push(char::from(byte)),
            b'/' if !encode_slash => out.push('/'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// The port in moto's `Running on http://127.0.0.1:PORT` line.
fn listening_port(log: &str) -> Option<u16> {
    let rest = &log[log.find(LISTENING)? + LISTENING.len()..];
    let digits = rest.find(|c: char| !c.is_ascii_digit())?;
    rest[..digits].parse().ok()
}

fn not_installed(error: &std::io::Error) -> Option<S3Server> {
    if crate::db::in_ci() {
        panic!("{MOTO_SERVER} is required in CI (./test.sh installs moto[server]): {error}");
    }
    static SKIP: Once = Once::new();
    SKIP.call_once(|| {
        // Written past the test harness's capture, so it is seen once per binary.
        let _ = writeln!(
            std::io::stderr(),
            "\n!!! SKIPPING the S3 tests: cannot run {MOTO_SERVER}: {error}\n!!! Install it with `python3 -m pip install 'moto[server]'` (./test.sh does); in CI this is a failure.\n"
        );
    });
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_port_moto_listens_on() {
        let log =
            "WARNING: This is a development server.\n * Running on http://127.0.0.1:39929\nPress CTRL+C to quit\n";
        assert_eq!(listening_port(log), Some(39929));
        assert_eq!(listening_port(" * Running on http://127.0.0.1:399"), None, "the line is not complete yet");
        assert_eq!(listening_port("WARNING: This is a development server.\n"), None);
    }

    /// The "get-vanilla" case of AWS's Signature Version 4 test suite.
    #[test]
    fn signs_as_aws_documents() {
        let request = SignedRequest {
            method: "GET",
            path: "/",
            query: &[],
            headers: &[("host", "example.amazonaws.com"), ("x-amz-date", "20150830T123600Z")],
            payload_sha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        };
        assert_eq!(
            request.authorization("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "us-east-1", "service"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=host;x-amz-date, \
             Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
    }
}
