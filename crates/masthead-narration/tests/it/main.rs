//! Narration against real engines: espeak-ng as a program, an OpenAI-compatible server (the
//! stand-in from masthead-test-utils, speaking through espeak-ng) over real HTTP, and the hibari
//! neural voice once installed (see `hibari.rs`).

mod espeak;
mod hibari;
mod http;
mod loudness;
mod pipeline;

use masthead_narration::{EspeakEngine, Pcm};

/// The engine, or `None` outside CI when espeak-ng is not installed (`./test.sh` installs it).
fn espeak() -> Option<EspeakEngine> {
    match EspeakEngine::detect() {
        Ok(engine) => Some(engine),
        Err(error) if std::env::var("CI").as_deref() != Ok("true") => {
            eprintln!("SKIPPED: {error}");
            None
        }
        Err(error) => panic!("{error}"),
    }
}

fn rms(pcm: &Pcm) -> f32 {
    (pcm.samples.iter().map(|s| s * s).sum::<f32>() / pcm.samples.len().max(1) as f32).sqrt()
}

fn peak(pcm: &Pcm) -> f32 {
    pcm.samples.iter().fold(0.0, |p, s| p.max(s.abs()))
}

/// The sentence the engine measurements in the narration reference were made with.
const SENTENCE: &str = "Nearly three thousand soldiers had been sent, and thousands more were expected to follow.";

fn words(text: &str) -> f64 {
    text.split_whitespace().count() as f64
}
