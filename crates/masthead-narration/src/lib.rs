//! Turning prepared text into speech.
//!
//! An [`Engine`] speaks one sentence at a time and hands back raw samples ([`Pcm`]); the
//! pipeline around it (sentence splitting, loudness, encoding) is the same for every engine.
//! The text an engine receives has already been made speakable by
//! `masthead_core::narration` (numbers, dates, abbreviations, the newsroom's lexicon), so an
//! engine only has to pronounce words.

pub mod encode;
pub mod espeak;
pub mod http;
pub mod loudness;
pub mod pipeline;
pub mod resample;
mod wav;

pub use encode::{Mp3, encode_mp3};
pub use espeak::EspeakEngine;
pub use http::{HttpEngine, HttpEngineConfig, SpeechFormat};
pub use loudness::{LoudnessTarget, normalize};
pub use pipeline::{Narration, NarrationError, narrate, narrate_with_progress};

/// Mono audio as 32-bit float samples in `-1.0..=1.0`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Pcm {
    pub sample_rate: u32,
    pub samples: Vec<f32>,
}

impl Pcm {
    /// Length in seconds.
    pub fn seconds(&self) -> f64 {
        if self.sample_rate == 0 {
            return 0.0;
        }
        self.samples.len() as f64 / f64::from(self.sample_rate)
    }
}

/// How a voice should speak: which of the engine's voices, and how fast (1.0 is normal).
#[derive(Debug, Clone, PartialEq)]
pub struct VoiceSettings {
    /// The engine's own name for the voice; empty means the engine's default.
    pub voice: String,
    pub speed: f32,
}

impl Default for VoiceSettings {
    fn default() -> Self {
        Self { voice: String::new(), speed: 1.0 }
    }
}

/// Why an engine could not speak.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The engine cannot run here (not installed, no model, not configured). Retrying will
    /// not help until an operator acts; the message says what to do.
    #[error("{0}")]
    Unavailable(String),
    /// The engine ran and failed on this input or this time; retrying may help.
    #[error("{0}")]
    Failed(String),
}

/// A text-to-speech engine. Synthesis is blocking and CPU-bound: callers run it on a
/// low-priority blocking thread, never on the async runtime.
pub trait Engine: Send + Sync {
    /// A short stable name: `hibari`, `espeak`, `http`.
    fn name(&self) -> &'static str;

    /// Speak one sentence (or clause) of already-normalised text.
    fn synthesize(&self, text: &str, voice: &VoiceSettings) -> Result<Pcm, EngineError>;
}

pub mod hibari;
pub mod install;

pub use hibari::{HibariEngine, LazyHibariEngine};
pub use install::{InstallError, VoiceDir, install_voice, installed_voice};
