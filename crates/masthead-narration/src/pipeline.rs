//! From sentences to an MP3: speak each sentence, join them with pauses a listener can follow,
//! bring the whole to one loudness, encode once.
//!
//! Sentences are spoken one at a time (not a paragraph per call) so that engines with input
//! limits never see too much text, progress can be reported, and a failure names its sentence.

use std::ops::ControlFlow;
use std::time::Instant;

use crate::encode::{EncodeError, encode_mp3};
use crate::loudness::{LoudnessError, LoudnessTarget, normalize};
use crate::resample::resample;
use crate::{Engine, EngineError, Pcm, VoiceSettings};

/// Long enough to hear a full stop, short enough not to sound like a hesitation.
pub const SENTENCE_PAUSE_SECONDS: f64 = 0.25;
/// A paragraph break is a change of thought; the listener needs a breath more.
pub const PARAGRAPH_PAUSE_SECONDS: f64 = 0.6;

#[derive(Debug, Clone, PartialEq)]
pub struct Narration {
    pub mp3: Vec<u8>,
    /// As players that honour LAME's tag play it.
    pub seconds: f64,
    pub engine: &'static str,
}

#[derive(Debug, thiserror::Error)]
pub enum NarrationError {
    #[error("there is nothing to narrate")]
    Empty,
    #[error("sentence {sentence} of {total} ({engine}): {source}")]
    Engine {
        engine: &'static str,
        /// Counted from 1, as a person reads.
        sentence: usize,
        total: usize,
        #[source]
        source: EngineError,
    },
    #[error("cancelled after {done} of {total} sentences")]
    Cancelled { done: usize, total: usize },
    #[error(transparent)]
    Loudness(#[from] LoudnessError),
    #[error(transparent)]
    Encode(#[from] EncodeError),
}

impl NarrationError {
    /// Whether trying the same article again later could succeed; an unavailable engine
    /// needs an operator first.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Engine { source: EngineError::Unavailable(_), .. } => false,
            Self::Engine { source: EngineError::Failed(_), .. } => true,
            Self::Empty | Self::Cancelled { .. } | Self::Loudness(_) | Self::Encode(_) => false,
        }
    }
}

/// Narrates `paragraphs` (each a list of sentences) with `engine`.
pub fn narrate(
    engine: &dyn Engine,
    paragraphs: &[Vec<String>],
    voice: &VoiceSettings,
) -> Result<Narration, NarrationError> {
    narrate_with_progress(engine, paragraphs, voice, &mut |_, _| ControlFlow::Continue(()))
}

/// Like [`narrate`], calling `progress(done, total)` before the first sentence and after each
/// one; returning `Break` stops between sentences with [`NarrationError::Cancelled`].
pub fn narrate_with_progress(
    engine: &dyn Engine,
    paragraphs: &[Vec<String>],
    voice: &VoiceSettings,
    progress: &mut dyn FnMut(usize, usize) -> ControlFlow<()>,
) -> Result<Narration, NarrationError> {
    let spoken: Vec<Vec<&str>> = paragraphs
        .iter()
        .map(|p| p.iter().map(|s| s.trim()).filter(|s| !s.is_empty()).collect::<Vec<_>>())
        .filter(|p| !p.is_empty())
        .collect();
    let total: usize = spoken.iter().map(Vec::len).sum();
    if total == 0 {
        return Err(NarrationError::Empty);
    }
    let started = Instant::now();
    let mut done = 0;
    if progress(done, total).is_break() {
        return Err(NarrationError::Cancelled { done, total });
    }
    let mut audio = Pcm::default();
    for (p, paragraph) in spoken.iter().enumerate() {
        for (s, sentence) in paragraph.iter().enumerate() {
            let mut pcm = engine.synthesize(sentence, voice).map_err(|source| NarrationError::Engine {
                engine: engine.name(),
                sentence: done + 1,
                total,
                source,
            })?;
            if pcm.sample_rate == 0 {
                return Err(NarrationError::Engine {
                    engine: engine.name(),
                    sentence: done + 1,
                    total,
                    source: EngineError::Failed("the engine returned audio without a sample rate".into()),
                });
            }
            if audio.sample_rate == 0 {
                audio.sample_rate = pcm.sample_rate;
            }
            if pcm.sample_rate != audio.sample_rate {
                // An engine may fall back to another model mid-article; one stream needs one rate.
                tracing::debug!(from = pcm.sample_rate, to = audio.sample_rate, "resampling a sentence");
                pcm = resample(&pcm, audio.sample_rate);
            }
            let pause = if s > 0 {
                SENTENCE_PAUSE_SECONDS
            } else if p > 0 {
                PARAGRAPH_PAUSE_SECONDS
            } else {
                0.0
            };
            push_silence(&mut audio, pause);
            audio.samples.extend_from_slice(&pcm.samples);
            done += 1;
            if progress(done, total).is_break() {
                return Err(NarrationError::Cancelled { done, total });
            }
        }
    }
    let synthesized = started.elapsed();
    let loudness = normalize(&mut audio, LoudnessTarget::default())?;
    let encoding = Instant::now();
    let mp3 = encode_mp3(&audio)?;
    tracing::info!(
        engine = engine.name(),
        sentences = total,
        seconds = mp3.seconds,
        synthesis_ms = synthesized.as_millis() as u64,
        encode_ms = encoding.elapsed().as_millis() as u64,
        before_lufs = loudness.before_lufs,
        after_lufs = loudness.after_lufs,
        limited = loudness.limited,
        bytes = mp3.bytes.len(),
        "narrated"
    );
    Ok(Narration { mp3: mp3.bytes, seconds: mp3.seconds, engine: engine.name() })
}

fn push_silence(audio: &mut Pcm, seconds: f64) {
    let n = (seconds * f64::from(audio.sample_rate)).round() as usize;
    audio.samples.resize(audio.samples.len() + n, 0.0);
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::encode::read_mp3;

    /// A voice that hums for 50 ms per character, at a rate that can change mid-article.
    struct Hum {
        rates: Mutex<Vec<u32>>,
        fail_on: Option<&'static str>,
    }

    impl Hum {
        fn at(rate: u32) -> Self {
            Self { rates: Mutex::new(vec![rate]), fail_on: None }
        }

        fn seconds(text: &str) -> f64 {
            text.chars().count() as f64 * 0.05
        }
    }

    impl Engine for Hum {
        fn name(&self) -> &'static str {
            "hum"
        }

        fn synthesize(&self, text: &str, _: &VoiceSettings) -> Result<Pcm, EngineError> {
            if self.fail_on == Some(text) {
                return Err(EngineError::Failed("the hum caught in its throat".into()));
            }
            let rate = {
                let mut rates = self.rates.lock().expect("not poisoned");
                if rates.len() > 1 { rates.remove(0) } else { rates[0] }
            };
            let n = (Self::seconds(text) * f64::from(rate)).round() as usize;
            let step = std::f32::consts::TAU * 180.0 / rate as f32;
            Ok(Pcm { sample_rate: rate, samples: (0..n).map(|i| (i as f32 * step).sin() * 0.2).collect() })
        }
    }

    fn article() -> Vec<Vec<String>> {
        vec![
            vec!["The council met on Tuesday.".into(), "It voted.".into()],
            vec!["  ".into()],
            vec!["The budget passed by four votes to three.".into()],
        ]
    }

    fn expected_seconds(paragraphs: &[Vec<String>]) -> f64 {
        let spoken: Vec<Vec<&String>> = paragraphs
            .iter()
            .map(|p| p.iter().filter(|s| !s.trim().is_empty()).collect::<Vec<_>>())
            .filter(|p| !p.is_empty())
            .collect();
        let speech: f64 = spoken.iter().flatten().map(|s| Hum::seconds(s.trim())).sum();
        let sentence_pauses: usize = spoken.iter().map(|p| p.len() - 1).sum();
        speech + sentence_pauses as f64 * SENTENCE_PAUSE_SECONDS + (spoken.len() - 1) as f64 * PARAGRAPH_PAUSE_SECONDS
    }

    #[test]
    fn the_mp3_lasts_the_sentences_plus_the_pauses() {
        let narration = narrate(&Hum::at(24_000), &article(), &VoiceSettings::default()).expect("narrates");
        assert_eq!(narration.engine, "hum");
        let want = expected_seconds(&article());
        assert!((narration.seconds - want).abs() < 0.001, "{} vs {want}", narration.seconds);
        let info = read_mp3(&narration.mp3).expect("a valid MP3");
        assert_eq!(info.sample_rate, 24_000);
        assert!((info.seconds() - narration.seconds).abs() < 1e-9);
    }

    #[test]
    fn a_change_of_rate_mid_article_is_resampled_to_the_first() {
        let engine = Hum { rates: Mutex::new(vec![22_050, 24_000, 16_000]), fail_on: None };
        let narration = narrate(&engine, &article(), &VoiceSettings::default()).expect("narrates");
        let info = read_mp3(&narration.mp3).expect("a valid MP3");
        assert_eq!(info.sample_rate, 22_050);
        let want = expected_seconds(&article());
        assert!((narration.seconds - want).abs() < 0.001, "{} vs {want}", narration.seconds);
    }

    #[test]
    fn progress_is_reported_and_can_cancel() {
        let mut seen = Vec::new();
        narrate_with_progress(&Hum::at(24_000), &article(), &VoiceSettings::default(), &mut |done, total| {
            seen.push((done, total));
            ControlFlow::Continue(())
        })
        .expect("narrates");
        assert_eq!(seen, vec![(0, 3), (1, 3), (2, 3), (3, 3)]);

        let cancelled =
            narrate_with_progress(&Hum::at(24_000), &article(), &VoiceSettings::default(), &mut |done, _| {
                if done == 2 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
            });
        assert!(matches!(cancelled, Err(NarrationError::Cancelled { done: 2, total: 3 })), "{cancelled:?}");
    }

    #[test]
    fn a_failing_sentence_is_named_and_nothing_is_empty() {
        let engine = Hum { rates: Mutex::new(vec![24_000]), fail_on: Some("It voted.") };
        let error = narrate(&engine, &article(), &VoiceSettings::default()).expect_err("fails");
        assert!(matches!(&error, NarrationError::Engine { sentence: 2, total: 3, .. }), "{error:?}");
        assert!(error.is_retryable());
        assert!(error.to_string().contains("sentence 2 of 3"), "{error}");
        let empty = narrate(&Hum::at(24_000), &[vec![" ".into()], vec![]], &VoiceSettings::default());
        assert!(matches!(empty, Err(NarrationError::Empty)));
    }
}
