use std::time::Instant;

use masthead_narration::encode::{encode_mp3, read_mp3};
use masthead_narration::loudness::{LoudnessTarget, normalize};
use masthead_narration::pipeline::{PARAGRAPH_PAUSE_SECONDS, SENTENCE_PAUSE_SECONDS};
use masthead_narration::{Engine, Pcm, VoiceSettings, narrate};

use crate::espeak;

fn article() -> Vec<Vec<String>> {
    vec![
        vec!["The council approved the budget on Tuesday night.".into(), "It passed by four votes to three.".into()],
        vec!["Parking fees will rise in March.".into()],
        vec!["The mayor did not comment.".into(), "A second vote is due in June.".into()],
    ]
}

#[test]
fn the_mp3_lasts_as_long_as_its_sentences_and_pauses() {
    let Some(engine) = espeak() else { return };
    let voice = VoiceSettings::default();
    let paragraphs = article();
    let narration = narrate(&engine, &paragraphs, &voice).expect("narrates");
    assert_eq!(narration.engine, "espeak");

    let speech: f64 =
        paragraphs.iter().flatten().map(|s| engine.synthesize(s, &voice).expect("speaks").seconds()).sum();
    let sentence_pauses: usize = paragraphs.iter().map(|p| p.len() - 1).sum();
    let expected = speech
        + sentence_pauses as f64 * SENTENCE_PAUSE_SECONDS
        + (paragraphs.len() - 1) as f64 * PARAGRAPH_PAUSE_SECONDS;

    let info = read_mp3(&narration.mp3).expect("a valid MP3 stream");
    assert_eq!(info.sample_rate, 22_050);
    assert_eq!(info.channels, 1);
    assert!((info.seconds() - narration.seconds).abs() < 1e-9, "the reported duration is the stream's");
    assert!(
        (narration.seconds - expected).abs() <= info.frame_seconds(),
        "{:.3} s, expected {expected:.3} s",
        narration.seconds
    );
}

#[test]
fn thirty_seconds_of_speech_normalises_and_encodes_quickly() {
    let Some(engine) = espeak() else { return };
    let voice = VoiceSettings::default();
    let sentence = engine.synthesize(crate::SENTENCE, &voice).expect("speaks");
    let mut pcm = Pcm { sample_rate: sentence.sample_rate, samples: Vec::new() };
    while pcm.seconds() < 30.0 {
        pcm.samples.extend_from_slice(&sentence.samples);
    }
    pcm.samples.truncate(30 * pcm.sample_rate as usize);
    let started = Instant::now();
    normalize(&mut pcm, LoudnessTarget::default()).expect("normalises");
    let normalising = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let mp3 = encode_mp3(&pcm).expect("encodes");
    let encoding = started.elapsed().as_secs_f64();
    assert!((mp3.seconds - 30.0).abs() < 0.001, "{}", mp3.seconds);
    eprintln!(
        "30 s at {} Hz: loudness normalised in {normalising:.3} s, MP3 encoded in {encoding:.3} s ({} bytes)",
        pcm.sample_rate,
        mp3.bytes.len()
    );
    // Generous: a debug build on a busy 2-core machine; release is far faster.
    assert!(normalising + encoding < 15.0, "{normalising:.1} s + {encoding:.1} s for 30 s");
}
