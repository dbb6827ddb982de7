use std::time::Duration;

use masthead_narration::http::MAX_INPUT_CHARS;
use masthead_narration::{Engine, EngineError, HttpEngine, HttpEngineConfig, SpeechFormat, VoiceSettings};
use masthead_test_utils::{SpeechStandIn, TEST_SPEECH_KEY};
use serde_json::{Value, json};

use crate::{SENTENCE, rms};

fn engine(server: &SpeechStandIn, key: &str) -> HttpEngine {
    HttpEngine::new(HttpEngineConfig::openai(server.base(), key)).expect("a valid configuration")
}

#[test]
fn speaks_through_an_openai_compatible_server() {
    let Some(server) = SpeechStandIn::start() else { return };
    let pcm = engine(&server, TEST_SPEECH_KEY).synthesize(SENTENCE, &VoiceSettings::default()).expect("speaks");
    assert_eq!(pcm.sample_rate, 24_000);
    assert!(pcm.seconds() > 3.0 && pcm.seconds() < 9.0, "{} s", pcm.seconds());
    assert!(rms(&pcm) > 0.02, "RMS {}", rms(&pcm));

    let sent = server.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["path"], "/v1/audio/speech");
    assert_eq!(sent[0]["authorization"], format!("Bearer {TEST_SPEECH_KEY}"));
    assert_eq!(sent[0]["content_type"], "application/json");
    assert_eq!(
        sent[0]["body"],
        json!({"model": "tts-1", "input": SENTENCE, "voice": "alloy", "response_format": "pcm", "speed": 1.0})
    );
}

#[test]
fn wav_answers_hold_the_same_speech_as_pcm() {
    let Some(server) = SpeechStandIn::start() else { return };
    let pcm = engine(&server, TEST_SPEECH_KEY)
        .synthesize("The polls close at eight.", &VoiceSettings::default())
        .expect("speaks");
    let config =
        HttpEngineConfig { format: SpeechFormat::Wav, ..HttpEngineConfig::openai(server.base(), TEST_SPEECH_KEY) };
    let wav = HttpEngine::new(config)
        .expect("valid")
        .synthesize("The polls close at eight.", &VoiceSettings::default())
        .expect("speaks");
    assert_eq!(wav.sample_rate, pcm.sample_rate);
    assert_eq!(wav.samples, pcm.samples);
    assert_eq!(server.requests()[1]["body"]["response_format"], "wav");
}

#[test]
fn the_voice_and_speed_are_sent_and_heard() {
    let Some(server) = SpeechStandIn::start() else { return };
    let engine = engine(&server, TEST_SPEECH_KEY);
    let normal = engine.synthesize(SENTENCE, &VoiceSettings { voice: "nova".into(), speed: 1.0 }).expect("speaks");
    let fast = engine.synthesize(SENTENCE, &VoiceSettings { voice: "nova".into(), speed: 1.5 }).expect("speaks");
    assert!(fast.seconds() < normal.seconds() * 0.8, "{} vs {}", fast.seconds(), normal.seconds());
    let sent = server.requests();
    assert_eq!(sent[1]["body"]["voice"], "nova");
    assert_eq!(sent[1]["body"]["speed"], 1.5);
}

/// How a job uses it: configured on the async runtime, speaking on a blocking thread.
#[test]
fn is_configured_on_the_runtime_and_speaks_on_a_blocking_thread() {
    let Some(server) = SpeechStandIn::start() else { return };
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let pcm = runtime.block_on(async {
        let engine = engine(&server, TEST_SPEECH_KEY);
        tokio::task::spawn_blocking(move || engine.synthesize("Good morning.", &VoiceSettings::default()))
            .await
            .expect("the blocking task ran")
    });
    assert!(pcm.expect("speaks").seconds() > 0.5);
}

#[test]
fn a_wrong_key_is_unavailable_and_the_key_is_not_repeated() {
    let Some(server) = SpeechStandIn::start() else { return };
    let wrong = "sk-wrong-key-0123456789";
    let error = engine(&server, wrong).synthesize("Hello.", &VoiceSettings::default()).expect_err("refused");
    assert!(matches!(error, EngineError::Unavailable(_)), "{error:?}");
    let message = error.to_string();
    assert!(message.contains(server.base().trim_start_matches("http://")), "names the server: {message}");
    assert!(message.contains("401"), "{message}");
    assert!(!message.contains(wrong), "{message}");
    let engine = engine(&server, wrong);
    assert!(!format!("{engine:?}").contains(wrong));
}

#[test]
fn a_refused_request_fails_with_the_servers_message() {
    let Some(server) = SpeechStandIn::start() else { return };
    let error = engine(&server, TEST_SPEECH_KEY)
        .synthesize("Hello.", &VoiceSettings { voice: "bob".into(), ..Default::default() })
        .expect_err("no such voice");
    assert!(matches!(error, EngineError::Failed(_)), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("400") && message.contains("Invalid value for 'voice'"), "{message}");
}

#[test]
fn a_sentence_over_the_limit_is_refused_before_sending() {
    let Some(server) = SpeechStandIn::start() else { return };
    let long = "word ".repeat(MAX_INPUT_CHARS / 5 + 1);
    let error = engine(&server, TEST_SPEECH_KEY).synthesize(&long, &VoiceSettings::default()).expect_err("too long");
    assert!(matches!(error, EngineError::Failed(_)), "{error:?}");
    assert!(server.requests().is_empty());
}

#[test]
fn server_errors_and_timeouts_are_failures_that_may_pass_later() {
    let Some(server) = SpeechStandIn::start() else { return };
    let speaker = engine(&server, TEST_SPEECH_KEY);
    server.fail_next(503, "The engine is currently overloaded, please try again later.");
    let error = speaker.synthesize("Hello.", &VoiceSettings::default()).expect_err("overloaded");
    assert!(matches!(&error, EngineError::Failed(m) if m.contains("503") && m.contains("overloaded")), "{error:?}");
    // And the next call succeeds.
    speaker.synthesize("Hello.", &VoiceSettings::default()).expect("speaks again");

    let patient = HttpEngineConfig {
        timeout: Duration::from_millis(500),
        ..HttpEngineConfig::openai(server.base(), TEST_SPEECH_KEY)
    };
    server.delay_next(Duration::from_secs(3));
    let error =
        HttpEngine::new(patient).expect("valid").synthesize("Hello.", &VoiceSettings::default()).expect_err("too slow");
    assert!(matches!(&error, EngineError::Failed(m) if m.contains("did not answer")), "{error:?}");
}

#[test]
fn nothing_listening_is_a_failure_naming_the_server() {
    // A port that was free a moment ago.
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("a port").local_addr().expect("an address").port();
    let engine = HttpEngine::new(HttpEngineConfig::openai(format!("http://127.0.0.1:{port}"), "sk-x")).expect("valid");
    let error = engine.synthesize("Hello.", &VoiceSettings::default()).expect_err("no server");
    assert!(matches!(&error, EngineError::Failed(m) if m.contains(&format!("127.0.0.1:{port}"))), "{error:?}");
}

/// The stand-in must refuse what OpenAI refuses, or the engine's error paths would be tested
/// against a server kinder than the real one.
#[test]
fn the_stand_in_refuses_what_openai_refuses() {
    let Some(server) = SpeechStandIn::start() else { return };
    let http = reqwest::blocking::Client::new();
    let post = |body: Value| {
        let answer = http
            .post(format!("{}/v1/audio/speech", server.base()))
            .bearer_auth(TEST_SPEECH_KEY)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .expect("answers");
        let status = answer.status().as_u16();
        let body: Value = serde_json::from_slice(&answer.bytes().expect("a body")).expect("an error in JSON");
        (status, body)
    };
    let (status, body) = post(json!({"model": "tts-1", "voice": "alloy"}));
    assert_eq!(status, 400);
    assert_eq!(body["error"]["param"], "input");
    assert!(body["error"]["message"].as_str().is_some_and(|m| m.contains("input")), "{body}");
    let (status, body) = post(json!({"model": "tts-1", "voice": "alloy", "input": "a".repeat(4097)}));
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "string_above_max_length");
    let (status, body) = post(json!({"model": "tts-1", "voice": "bob", "input": "Hi."}));
    assert_eq!(status, 400);
    assert_eq!(body["error"]["param"], "voice");
    assert_eq!(body["error"]["type"], "invalid_request_error");
}
