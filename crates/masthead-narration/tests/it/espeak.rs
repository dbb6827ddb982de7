use std::time::Instant;

use masthead_narration::espeak::words_per_minute;
use masthead_narration::{Engine, EngineError, VoiceSettings};

use crate::{SENTENCE, espeak, peak, rms, words};

#[test]
fn a_sentence_lasts_as_long_as_its_words_take_at_the_speaking_rate() {
    let Some(engine) = espeak() else { return };
    let started = Instant::now();
    let pcm = engine.synthesize(SENTENCE, &VoiceSettings::default()).expect("speaks");
    let took = started.elapsed().as_secs_f64();
    assert_eq!(pcm.sample_rate, 22_050);
    let wpm = f64::from(words_per_minute(1.0).expect("valid"));
    let expected = words(SENTENCE) / wpm * 60.0;
    let seconds = pcm.seconds();
    assert!(seconds > expected * 0.6 && seconds < expected * 1.6, "{seconds:.2} s, expected about {expected:.2} s");
    let rms = rms(&pcm);
    assert!((0.02..0.5).contains(&rms), "RMS {rms}");
    let peak = peak(&pcm);
    assert!(peak < 0.999, "clipped: peak {peak}");
    eprintln!(
        "espeak: {seconds:.2} s of audio in {took:.3} s (real-time factor {:.4}), RMS {rms:.3}, peak {peak:.2}",
        took / seconds
    );
}

#[test]
fn speaking_faster_takes_less_time() {
    let Some(engine) = espeak() else { return };
    let normal = engine.synthesize(SENTENCE, &VoiceSettings::default()).expect("speaks");
    let fast = engine.synthesize(SENTENCE, &VoiceSettings { speed: 1.5, ..Default::default() }).expect("speaks");
    let ratio = fast.seconds() / normal.seconds();
    // Pauses do not shrink as much as words, so not quite 1/1.5.
    assert!(ratio < 0.8 && ratio > 0.5, "1.5x speed lasted {ratio:.2} of normal");
}

#[test]
fn a_voice_espeak_does_not_have_is_unavailable() {
    let Some(engine) = espeak() else { return };
    let error = engine
        .synthesize("Hello.", &VoiceSettings { voice: "xx-nope".into(), ..Default::default() })
        .expect_err("no such voice");
    assert!(matches!(error, EngineError::Unavailable(_)), "{error:?}");
    assert!(error.to_string().contains("xx-nope"), "{error}");
}

#[test]
fn another_english_voice_speaks_too() {
    let Some(engine) = espeak() else { return };
    let pcm = engine
        .synthesize("Good evening.", &VoiceSettings { voice: "en-gb".into(), ..Default::default() })
        .expect("speaks");
    assert!(pcm.seconds() > 0.3, "{}", pcm.seconds());
    assert!(rms(&pcm) > 0.02);
}
