//! The hibari voice end to end: model, G2P, DSP and what a listener (a speech recogniser)
//! makes of it.
//!
//! These tests need an installed voice: set `MASTHEAD_VOICE_DIR` to the directory that
//! `masthead voices install` created (`<data dir>/voices/hibari-0.2.1`). Without it they note
//! that they did not run, except in CI (`CI=true`), where a missing voice means the test
//! script is broken and must fail loudly rather than pass by skipping.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use masthead_narration::{Engine, HibariEngine, Pcm, VoiceSettings};

const SENTENCE: &str = "Nearly three thousand soldiers had been sent, and thousands more were expected to follow.";

/// Written for this test as typical local news copy. It avoids what a speech recogniser's
/// dictionary cannot score fairly (compounds it splits, British and American spellings,
/// spelled-out scores it hears as one number), so the word error rate measures the voice.
const PARAGRAPH: &str = "The city council approved a new budget on Tuesday night after a long and \
sometimes heated debate. The plan raises spending on road repairs and public libraries, while cutting \
money for a proposed parking garage near the river. Most council members supported the plan. The mayor \
said the budget would keep property taxes flat for the second year in a row. Critics argued that the \
city should save more money for emergencies, and warned that next year could be harder.";

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// The engine, loaded once for the whole test binary (loading takes about a second), or `None`
/// outside CI when no voice is installed.
fn engine() -> Option<&'static HibariEngine> {
    static ENGINE: OnceLock<Option<HibariEngine>> = OnceLock::new();
    ENGINE
        .get_or_init(|| {
            let Some(dir) = std::env::var_os("MASTHEAD_VOICE_DIR").map(PathBuf::from) else {
                assert!(!in_ci(), "CI=true but MASTHEAD_VOICE_DIR is not set: the test script must install the voice");
                eprintln!("note: MASTHEAD_VOICE_DIR is not set; the hibari tests did not run");
                return None;
            };
            match HibariEngine::load(&dir) {
                Ok(engine) => Some(engine),
                Err(error) if !in_ci() => {
                    eprintln!(
                        "note: no usable hibari voice in {}: {error}; the hibari tests did not run",
                        dir.display()
                    );
                    None
                }
                Err(error) => panic!("CI=true but the hibari voice in {} does not load: {error}", dir.display()),
            }
        })
        .as_ref()
}

fn rms(pcm: &Pcm) -> f64 {
    let sum: f64 = pcm.samples.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
    (sum / pcm.samples.len().max(1) as f64).sqrt()
}

#[test]
fn hibari_speaks_the_test_sentence() {
    let Some(engine) = engine() else { return };
    assert_eq!(engine.name(), "hibari");
    let pcm = engine.synthesize(SENTENCE, &VoiceSettings::default()).expect("synthesizes");
    assert_eq!(pcm.sample_rate, 24_000);
    let seconds = pcm.seconds();
    assert!((3.0..=8.0).contains(&seconds), "{seconds:.2} s of audio");
    assert!(pcm.samples.iter().all(|s| s.is_finite()), "NaN or infinite samples");
    let peak = pcm.samples.iter().fold(0.0f32, |m, s| m.max(s.abs()));
    assert!(peak < 1.0, "clipped: peak {peak}");
    let rms = rms(&pcm);
    // The raw voice is quiet (RMS about 0.047) and is normalised later; silence or noise would
    // land far outside this band.
    assert!((0.01..=0.2).contains(&rms), "RMS {rms}");
}

#[test]
fn hibari_is_deterministic_and_follows_the_speed_setting() {
    let Some(engine) = engine() else { return };
    let normal = engine.synthesize(SENTENCE, &VoiceSettings::default()).expect("synthesizes");
    let again = engine.synthesize(SENTENCE, &VoiceSettings::default()).expect("synthesizes");
    assert_eq!(normal, again, "the same text must give the same audio");
    let fast = VoiceSettings { speed: 1.5, ..VoiceSettings::default() };
    let fast = engine.synthesize(SENTENCE, &fast).expect("synthesizes");
    assert!(fast.seconds() < normal.seconds() * 0.85, "{} s at 1.5x vs {} s", fast.seconds(), normal.seconds());
    // Out-of-range speeds are clamped rather than refused.
    let absurd = VoiceSettings { speed: 50.0, ..VoiceSettings::default() };
    let clamped = engine.synthesize(SENTENCE, &absurd).expect("synthesizes");
    assert!(clamped.seconds() > normal.seconds() * 0.4);
    let other = VoiceSettings { voice: "emma".to_string(), ..VoiceSettings::default() };
    assert!(engine.synthesize(SENTENCE, &other).is_err(), "only the bundled voice exists");
}

#[test]
fn hibari_g2p_reads_lexicon_and_unknown_words() {
    let Some(engine) = engine() else { return };
    let chunks = engine.phonemize(SENTENCE).expect("phonemizes");
    // hibari's own (Python) G2P gives exactly this for the sentence.
    assert_eq!(chunks, vec!["nˈɪɹli θɹˈi θˈWzᵊnd sˈOlʤəɹz hæd bɪn sˈɛnt, ænd θˈWzᵊndz mˈɔɹ wɜɹ ɪkspˈɛktᵻd tə fˈɑlO."]);
    // A made-up name goes through the out-of-vocabulary net and still comes out as speech.
    let unknown = engine.phonemize("Zorblatt").expect("phonemizes").concat();
    assert!(unknown.chars().count() >= 5 && unknown.contains('ˈ'), "OOV reading {unknown:?}");
    assert!(unknown.starts_with('z'), "OOV reading {unknown:?}");
}

#[test]
fn hibari_chunks_long_sentences_at_clauses() {
    let Some(engine) = engine() else { return };
    let long = std::iter::repeat_n("the council met again on Tuesday", 20).collect::<Vec<_>>().join(", ");
    let chunks = engine.phonemize(&format!("{long}.")).expect("phonemizes");
    assert!(chunks.len() >= 2, "{} chunks", chunks.len());
    assert!(chunks.iter().all(|c| c.chars().count() <= 400));
}

/// Issue 14, point 8: a speech recogniser must follow the narration of a news paragraph with a
/// word error rate of at most 15%.
#[test]
fn hibari_is_intelligible_to_a_speech_recogniser() {
    let Some(engine) = engine() else { return };
    let pcm = engine.synthesize(PARAGRAPH, &VoiceSettings::default()).expect("synthesizes");
    let dir = tempfile::tempdir().expect("temp dir");
    let wav = dir.path().join("paragraph.wav");
    let reference = dir.path().join("paragraph.txt");
    write_wav_peak_normalised(&pcm, &wav);
    std::fs::write(&reference, PARAGRAPH).expect("writes the reference");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/intelligibility.py");
    let python = std::env::var("MASTHEAD_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let output = Command::new(&python).arg(&script).arg(&wav).arg(&reference).arg("0.15").output();
    let output = match output {
        Ok(output) => output,
        Err(error) if !in_ci() => {
            eprintln!("note: could not run {python}: {error}; the intelligibility check did not run");
            return;
        }
        Err(error) => panic!("could not run {python}: {error}"),
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if output.status.code() == Some(3) && !in_ci() {
        eprintln!("note: {}; the intelligibility check did not run", stderr.trim());
        return;
    }
    assert!(output.status.success(), "intelligibility check failed:\n{stdout}{stderr}");
    println!("{stdout}");
}

/// A crude stand-in for loudness normalisation: the recogniser copes better with a full-scale
/// signal than with the raw voice's 0.4 peak.
fn write_wav_peak_normalised(pcm: &Pcm, path: &std::path::Path) {
    let peak = pcm.samples.iter().fold(0.0f32, |m, s| m.max(s.abs())).max(1e-6);
    let gain = 0.9 / peak;
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: pcm.sample_rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(path, spec).expect("creates the WAV");
    for &s in &pcm.samples {
        writer.write_sample(((s * gain).clamp(-1.0, 1.0) * 32767.0) as i16).expect("writes a sample");
    }
    writer.finalize().expect("finishes the WAV");
}
