//! A local OpenAI-compatible speech server for tests: `speech/standin.py` (Python's standard
//! library plus the `espeak-ng` program), which checks the key and the body as OpenAI does and
//! answers with real speech. One process per [`SpeechStandIn`] on a free port of 127.0.0.1,
//! killed when the value is dropped.
//!
//! Blocking, like the narration engines it serves: use it from plain `#[test]`s.
//!
//! ```text
//! let Some(server) = SpeechStandIn::start() else { return }; // espeak-ng missing (outside CI)
//! let engine = HttpEngine::new(HttpEngineConfig::openai(server.base(), TEST_SPEECH_KEY))?;
//! server.fail_next(503, "overloaded");
//! assert_eq!(server.requests()[0]["body"]["voice"], "alloy");
//! ```

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The only key the stand-in accepts.
pub const TEST_SPEECH_KEY: &str = "sk-test-masthead-speech";
const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/speech/standin.py");
const START_TIMEOUT: Duration = Duration::from_secs(30);
const LISTENING: &str = "listening on http://127.0.0.1:";
const NO_ESPEAK: &str = "espeak-ng is not installed";

pub struct SpeechStandIn {
    child: Child,
    base: String,
    http: reqwest::blocking::Client,
    log: tempfile::NamedTempFile,
}

impl std::fmt::Debug for SpeechStandIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpeechStandIn").field("base", &self.base).finish()
    }
}

impl Drop for SpeechStandIn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl SpeechStandIn {
    /// Starts the stand-in. Without espeak-ng, outside CI this prints one loud line and returns
    /// `None`; in CI (`CI=true`) it fails the test.
    pub fn start() -> Option<Self> {
        let http = reqwest::blocking::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("an HTTP client");
        let log = tempfile::NamedTempFile::new().expect("a file for the stand-in's log");
        let output = log.reopen().expect("the stand-in's log");
        let errors = output.try_clone().expect("the stand-in's log");
        let child = Command::new("python3")
            .args([SCRIPT, "--port", "0", "--key", TEST_SPEECH_KEY])
            .stdin(Stdio::null())
            .stdout(output)
            .stderr(errors)
            .spawn()
            .expect("python3 runs");
        let mut server = Self { child, base: String::new(), http, log };
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Ok(Some(status)) = server.child.try_wait() {
                let text = server.log_text();
                if text.contains(NO_ESPEAK) && std::env::var("CI").as_deref() != Ok("true") {
                    eprintln!(
                        "SKIPPED: the speech stand-in needs espeak-ng: apt-get install espeak-ng (./test.sh does)"
                    );
                    return None;
                }
                panic!("the speech stand-in exited ({status}):\n{text}");
            }
            let port =
                server.log_text().split(LISTENING).nth(1).and_then(|rest| {
                    rest.split(|c: char| !c.is_ascii_digit()).next().and_then(|p| p.parse::<u16>().ok())
                });
            if let Some(port) = port {
                server.base = format!("http://127.0.0.1:{port}");
                return Some(server);
            }
            assert!(Instant::now() < deadline, "the speech stand-in did not start:\n{}", server.log_text());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }

    /// `http://127.0.0.1:PORT`, what a newsroom would configure as the server's address.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Every speech request received, oldest first: `{path, authorization, content_type, body}`
    /// with `body` the parsed JSON (or null).
    pub fn requests(&self) -> Vec<Value> {
        let answer = self.http.get(format!("{}/_standin/requests", self.base)).send().expect("the stand-in answers");
        let seen: Value = serde_json::from_slice(&answer.bytes().expect("a body")).expect("JSON");
        seen.as_array().cloned().unwrap_or_default()
    }

    /// The next speech request with the right key is answered with `status` and an OpenAI-shaped
    /// error carrying `message`.
    pub fn fail_next(&self, status: u16, message: &str) {
        self.plan(json!({ "status": status, "message": message }));
    }

    /// The next speech request with the right key waits `delay` before being answered normally.
    pub fn delay_next(&self, delay: Duration) {
        self.plan(json!({ "delay": delay.as_secs_f64() }));
    }

    fn plan(&self, next: Value) {
        let answer = self
            .http
            .post(format!("{}/_standin/next", self.base))
            .header("content-type", "application/json")
            .body(next.to_string())
            .send()
            .expect("the stand-in answers");
        assert!(answer.status().is_success(), "the stand-in refused the plan: {}", answer.status());
    }
}
