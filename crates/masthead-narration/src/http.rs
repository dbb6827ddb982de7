//! A voice behind an HTTP API that speaks OpenAI's `POST /v1/audio/speech` contract: OpenAI
//! itself, and the vendors and self-hosted servers (Kokoro-FastAPI, LocalAI, openedai-speech)
//! that copy it. Audio is asked for uncompressed (`wav` or `pcm`) because the pipeline
//! normalises loudness and encodes once over the whole article; decoding a vendor's MP3 only
//! to encode it again would lose quality and need a decoder.

use std::sync::OnceLock;
use std::time::Duration;

use serde::Serialize;

use crate::{Engine, EngineError, Pcm, VoiceSettings, wav};

/// OpenAI refuses longer inputs; sentences are far shorter, but a run-on one is not.
pub const MAX_INPUT_CHARS: usize = 4096;
/// OpenAI's `pcm` is 24 kHz, and so are the servers that copy it.
pub const OPENAI_PCM_RATE: u32 = 24_000;
const SPEED_RANGE: std::ops::RangeInclusive<f32> = 0.25..=4.0;

/// What to ask the server to answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpeechFormat {
    /// A WAV file: self-describing, so any sample rate works.
    Wav,
    /// Raw signed 16-bit little-endian mono at `sample_rate`, which the server does not state.
    Pcm { sample_rate: u32 },
}

impl SpeechFormat {
    fn api_name(self) -> &'static str {
        match self {
            Self::Wav => "wav",
            Self::Pcm { .. } => "pcm",
        }
    }
}

#[derive(Clone)]
pub struct HttpEngineConfig {
    /// `https://api.openai.com` or a server of one's own; a trailing `/v1` is accepted too, as
    /// OpenAI's own SDKs are configured with it.
    pub base_url: String,
    pub api_key: Option<String>,
    pub model: String,
    /// The voice used when [`VoiceSettings::voice`] is empty.
    pub default_voice: String,
    pub format: SpeechFormat,
    /// For the whole request, audio included.
    pub timeout: Duration,
}

impl HttpEngineConfig {
    /// OpenAI's cheapest speech model and first voice, raw 24 kHz audio, a minute's patience.
    pub fn openai(base_url: impl Into<String>, api_key: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            api_key: Some(api_key.into()),
            model: "tts-1".into(),
            default_voice: "alloy".into(),
            format: SpeechFormat::Pcm { sample_rate: OPENAI_PCM_RATE },
            timeout: Duration::from_secs(60),
        }
    }
}

// The key is a credential with a bill attached: it must not reach logs through `{:?}`.
impl std::fmt::Debug for HttpEngineConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpEngineConfig")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "<set>"))
            .field("model", &self.model)
            .field("default_voice", &self.default_voice)
            .field("format", &self.format)
            .field("timeout", &self.timeout)
            .finish()
    }
}

#[derive(Debug)]
pub struct HttpEngine {
    config: HttpEngineConfig,
    endpoint: reqwest::Url,
    /// The host (and port), to name the server in errors without echoing paths or keys.
    server: String,
    /// Made on first use: reqwest's blocking client refuses to be built on an async runtime,
    /// and engines are configured there (at boot, in a job) but speak on blocking threads.
    client: OnceLock<reqwest::blocking::Client>,
}

#[derive(Serialize)]
struct SpeechRequest<'a> {
    model: &'a str,
    input: &'a str,
    voice: &'a str,
    response_format: &'static str,
    speed: f32,
}

impl HttpEngine {
    /// Checks the configuration; nothing is sent until the first sentence. Safe to call on an
    /// async runtime; [`Engine::synthesize`] blocks and belongs on a blocking thread.
    pub fn new(config: HttpEngineConfig) -> Result<Self, EngineError> {
        let trimmed = config.base_url.trim_end_matches('/');
        let trimmed = trimmed.strip_suffix("/v1").unwrap_or(trimmed);
        let endpoint = reqwest::Url::parse(&format!("{trimmed}/v1/audio/speech")).map_err(|e| {
            EngineError::Unavailable(format!("the speech server's address {:?} is not a URL: {e}", config.base_url))
        })?;
        if !matches!(endpoint.scheme(), "http" | "https") {
            return Err(EngineError::Unavailable(format!(
                "the speech server's address {:?} must start with http:// or https://",
                config.base_url
            )));
        }
        let server = match (endpoint.host_str(), endpoint.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_owned(),
            (None, _) => {
                return Err(EngineError::Unavailable(format!(
                    "the speech server's address {:?} has no host",
                    config.base_url
                )));
            }
        };
        if config.model.trim().is_empty() {
            return Err(EngineError::Unavailable(format!("no speech model is configured for {server}")));
        }
        if let SpeechFormat::Pcm { sample_rate: 0 } = config.format {
            return Err(EngineError::Unavailable(format!("a PCM sample rate of 0 is configured for {server}")));
        }
        Ok(Self { config, endpoint, server, client: OnceLock::new() })
    }

    fn client(&self) -> Result<&reqwest::blocking::Client, EngineError> {
        if let Some(client) = self.client.get() {
            return Ok(client);
        }
        let client = reqwest::blocking::Client::builder()
            .timeout(self.config.timeout)
            .user_agent(concat!("masthead/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| EngineError::Unavailable(format!("no HTTP client for {}: {e}", self.server)))?;
        // Two threads may race to build one; either client will do.
        Ok(self.client.get_or_init(|| client))
    }

    /// The server as errors name it: `api.openai.com`, `127.0.0.1:8880`.
    pub fn server(&self) -> &str {
        &self.server
    }

    /// Servers echo parts of what they were sent; the key must not travel on in an error.
    fn scrub(&self, message: &str) -> String {
        match self.config.api_key.as_deref() {
            Some(key) if !key.is_empty() => message.replace(key, "<key>"),
            _ => message.to_owned(),
        }
    }

    fn refusal(&self, status: reqwest::StatusCode, body: &[u8]) -> EngineError {
        let message = self.scrub(&server_message(body));
        let server = &self.server;
        let code = status.as_u16();
        match code {
            401 | 403 => EngineError::Unavailable(format!(
                "{server} refused the narration API key ({code}): {message}; check the key configured for it"
            )),
            // Out of credit looks like rate limiting but waiting will not fix it.
            429 if error_code(body).as_deref() == Some("insufficient_quota") => {
                EngineError::Unavailable(format!("{server} has no quota left for this key (429): {message}"))
            }
            400..=499 => EngineError::Failed(format!("{server} refused the request ({code}): {message}")),
            _ => EngineError::Failed(format!("{server} failed ({code}): {message}")),
        }
    }

    fn decode(&self, content_type: Option<&str>, body: &[u8]) -> Result<Pcm, EngineError> {
        // A proxy's error page or a server that ignored response_format would otherwise be
        // "decoded" into noise.
        if let Some(kind) = content_type
            && (kind.starts_with("application/json") || kind.starts_with("text/"))
        {
            return Err(EngineError::Failed(format!(
                "{} answered {kind} instead of audio: {}",
                self.server,
                self.scrub(&server_message(body))
            )));
        }
        match self.config.format {
            SpeechFormat::Wav => {
                wav::decode(body).map_err(|e| EngineError::Failed(format!("{} sent audio that is {e}", self.server)))
            }
            SpeechFormat::Pcm { sample_rate } => {
                // A dropped connection can leave half a sample; the rest is still speech.
                let samples = body
                    .chunks_exact(2)
                    .map(|pair| f32::from(i16::from_le_bytes([pair[0], pair[1]])) / 32768.0)
                    .collect();
                Ok(Pcm { sample_rate, samples })
            }
        }
    }
}

impl Engine for HttpEngine {
    fn name(&self) -> &'static str {
        "http"
    }

    fn synthesize(&self, text: &str, voice: &VoiceSettings) -> Result<Pcm, EngineError> {
        let chars = text.chars().count();
        if chars > MAX_INPUT_CHARS {
            return Err(EngineError::Failed(format!(
                "a sentence of {chars} characters is longer than the {MAX_INPUT_CHARS} {} accepts",
                self.server
            )));
        }
        if !voice.speed.is_finite() || voice.speed <= 0.0 {
            return Err(EngineError::Failed(format!("the speed {} is not a positive number", voice.speed)));
        }
        let name = if voice.voice.is_empty() { self.config.default_voice.as_str() } else { voice.voice.as_str() };
        let request = SpeechRequest {
            model: &self.config.model,
            input: text,
            voice: name,
            response_format: self.config.format.api_name(),
            speed: voice.speed.clamp(*SPEED_RANGE.start(), *SPEED_RANGE.end()),
        };
        let body =
            serde_json::to_vec(&request).map_err(|e| EngineError::Failed(format!("encoding the request: {e}")))?;
        let mut call = self.client()?.post(self.endpoint.clone()).header("content-type", "application/json").body(body);
        if let Some(key) = &self.config.api_key {
            call = call.bearer_auth(key);
        }
        let started = std::time::Instant::now();
        let response = call.send().map_err(|e| self.transport_error(&e))?;
        let status = response.status();
        let content_type =
            response.headers().get(reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let bytes = response.bytes().map_err(|e| self.transport_error(&e))?;
        tracing::debug!(
            server = %self.server,
            model = %self.config.model,
            voice = name,
            chars,
            status = status.as_u16(),
            bytes = bytes.len(),
            ms = started.elapsed().as_millis() as u64,
            "speech server answered"
        );
        if !status.is_success() {
            return Err(self.refusal(status, &bytes));
        }
        self.decode(content_type.as_deref(), &bytes)
    }
}

impl HttpEngine {
    fn transport_error(&self, error: &reqwest::Error) -> EngineError {
        let server = &self.server;
        if error.is_timeout() {
            return EngineError::Failed(format!(
                "{server} did not answer within {} s",
                self.config.timeout.as_secs_f32()
            ));
        }
        if error.is_connect() {
            return EngineError::Failed(format!("could not connect to {server}: {}", root_cause(error)));
        }
        EngineError::Failed(format!("talking to {server}: {}", root_cause(error)))
    }
}

/// reqwest's own message is "error sending request for url (...)"; the cause says why.
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// OpenAI's `{"error": {"message": ...}}`, some servers' `{"detail": ...}` or
/// `{"message": ...}`, or the start of whatever text came back.
fn server_message(body: &[u8]) -> String {
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) {
        let found = value
            .pointer("/error/message")
            .or_else(|| value.get("error").filter(|e| e.is_string()))
            .or_else(|| value.pointer("/detail/message"))
            .or_else(|| value.get("detail"))
            .or_else(|| value.get("message"));
        if let Some(found) = found {
            return match found.as_str() {
                Some(text) => text.to_owned(),
                None => found.to_string(),
            };
        }
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return "no message".into();
    }
    text.chars().take(300).collect()
}

fn error_code(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    value.pointer("/error/code")?.as_str().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine(base: &str) -> Result<HttpEngine, EngineError> {
        HttpEngine::new(HttpEngineConfig::openai(base, "sk-secret-123456"))
    }

    #[test]
    fn the_key_never_shows_in_debug_output() {
        let engine = engine("https://api.openai.com").expect("a valid config");
        let shown = format!("{engine:?} {:?}", engine.config);
        assert!(!shown.contains("sk-secret-123456"), "{shown}");
        assert!(shown.contains("<set>"), "{shown}");
    }

    #[test]
    fn the_endpoint_is_found_with_or_without_v1_in_the_base() {
        for base in [
            "https://api.openai.com",
            "https://api.openai.com/",
            "https://api.openai.com/v1",
            "https://api.openai.com/v1/",
        ] {
            let engine = engine(base).expect("a valid config");
            assert_eq!(engine.endpoint.as_str(), "https://api.openai.com/v1/audio/speech", "{base}");
            assert_eq!(engine.server(), "api.openai.com");
        }
        assert_eq!(engine("http://127.0.0.1:8880").expect("valid").server(), "127.0.0.1:8880");
    }

    #[test]
    fn an_unusable_address_is_unavailable() {
        for base in ["not a url", "ftp://example.org", ""] {
            assert!(matches!(engine(base), Err(EngineError::Unavailable(_))), "{base}");
        }
    }

    #[test]
    fn messages_are_read_from_the_shapes_servers_use() {
        assert_eq!(server_message(br#"{"error":{"message":"Invalid voice","type":"x"}}"#), "Invalid voice");
        assert_eq!(server_message(br#"{"detail":"Voice not found"}"#), "Voice not found");
        assert_eq!(server_message(br#"{"error":"quota"}"#), "quota");
        assert_eq!(server_message(b"<html>Bad Gateway</html>"), "<html>Bad Gateway</html>");
        assert_eq!(server_message(b""), "no message");
    }

    #[test]
    fn statuses_map_to_what_an_operator_can_do() {
        let engine = engine("https://api.openai.com").expect("valid");
        let body = br#"{"error":{"message":"Incorrect API key provided: sk-secret-123456"}}"#;
        let refused = engine.refusal(reqwest::StatusCode::UNAUTHORIZED, body);
        assert!(matches!(refused, EngineError::Unavailable(_)), "{refused:?}");
        assert!(refused.to_string().contains("api.openai.com"), "{refused}");
        assert!(!refused.to_string().contains("sk-secret-123456"), "the key was echoed: {refused}");
        let quota = br#"{"error":{"message":"You exceeded your quota","code":"insufficient_quota"}}"#;
        assert!(matches!(engine.refusal(reqwest::StatusCode::TOO_MANY_REQUESTS, quota), EngineError::Unavailable(_)));
        let busy = br#"{"error":{"message":"Rate limit reached","code":"rate_limit_exceeded"}}"#;
        assert!(matches!(engine.refusal(reqwest::StatusCode::TOO_MANY_REQUESTS, busy), EngineError::Failed(_)));
        let bad = engine.refusal(reqwest::StatusCode::BAD_REQUEST, br#"{"error":{"message":"Invalid voice"}}"#);
        assert!(matches!(&bad, EngineError::Failed(m) if m.contains("Invalid voice")), "{bad:?}");
        assert!(matches!(engine.refusal(reqwest::StatusCode::BAD_GATEWAY, b"oops"), EngineError::Failed(_)));
    }
}
