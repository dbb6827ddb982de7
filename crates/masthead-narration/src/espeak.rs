//! eSpeak NG, the voice for tests, CI and `cargo run`: robotic but clear, deterministic, and
//! a few hundred times faster than real time. It runs as the `espeak-ng` program rather than
//! through libespeak-ng, because the library is GPL and linking it would bind Masthead's
//! binary to it; a separate process keeps the licences apart.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::{Engine, EngineError, Pcm, VoiceSettings, wav};

/// espeak-ng's own default rate; speed 1.0 speaks at it.
const BASE_WORDS_PER_MINUTE: f32 = 175.0;
/// espeak-ng's documented range; outside it the program clamps or garbles.
const WORDS_PER_MINUTE: std::ops::RangeInclusive<f32> = 80.0..=450.0;
const DEFAULT_VOICE: &str = "en-us";
const PROGRAM: &str = "espeak-ng";

#[derive(Debug, Clone)]
pub struct EspeakEngine {
    program: PathBuf,
}

impl EspeakEngine {
    /// Finds `espeak-ng` on `PATH`.
    pub fn detect() -> Result<Self, EngineError> {
        let program = find_on_path(PROGRAM).ok_or_else(|| {
            EngineError::Unavailable(format!(
                "the espeak voice needs the {PROGRAM} program, which is not on PATH: install espeak-ng (apt-get install espeak-ng)"
            ))
        })?;
        Ok(Self { program })
    }

    /// Uses the program at `program` (for installations outside `PATH`).
    pub fn with_program(program: impl Into<PathBuf>) -> Result<Self, EngineError> {
        let program = program.into();
        if !is_executable(&program) {
            return Err(EngineError::Unavailable(format!(
                "{} is not an executable espeak-ng: install espeak-ng (apt-get install espeak-ng)",
                program.display()
            )));
        }
        Ok(Self { program })
    }

    pub fn program(&self) -> &Path {
        &self.program
    }
}

/// Words per minute for a speed factor, within what espeak-ng accepts.
pub fn words_per_minute(speed: f32) -> Result<u32, EngineError> {
    if !speed.is_finite() || speed <= 0.0 {
        return Err(EngineError::Failed(format!("the speed {speed} is not a positive number")));
    }
    let wpm = (BASE_WORDS_PER_MINUTE * speed).clamp(*WORDS_PER_MINUTE.start(), *WORDS_PER_MINUTE.end());
    Ok(wpm.round() as u32)
}

/// espeak-ng takes the voice as a separate argument, but a name that looks like an option or a
/// path is refused anyway: voices are plain names like `en-us` or `en-gb-x-rp`.
fn valid_voice(voice: &str) -> bool {
    !voice.is_empty()
        && !voice.starts_with('-')
        && voice.len() <= 64
        && voice.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+'))
}

impl Engine for EspeakEngine {
    fn name(&self) -> &'static str {
        "espeak"
    }

    fn synthesize(&self, text: &str, voice: &VoiceSettings) -> Result<Pcm, EngineError> {
        let name = if voice.voice.is_empty() { DEFAULT_VOICE } else { voice.voice.as_str() };
        if !valid_voice(name) {
            return Err(EngineError::Unavailable(format!("{name:?} is not an espeak-ng voice name (try en-us)")));
        }
        let wpm = words_per_minute(voice.speed)?;
        let mut child = Command::new(&self.program)
            .args(["-v", name, "-s", &wpm.to_string(), "--stdout"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                EngineError::Unavailable(format!(
                    "could not run {}: {e}: install espeak-ng (apt-get install espeak-ng)",
                    self.program.display()
                ))
            })?;
        // Written from another thread: a long text could fill the pipe while espeak-ng is
        // already filling its stdout, and each would wait for the other.
        let mut stdin = child.stdin.take().ok_or_else(|| EngineError::Failed("espeak-ng has no stdin".into()))?;
        let input = text.to_owned();
        let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
        let output = child.wait_with_output().map_err(|e| EngineError::Failed(format!("espeak-ng: {e}")))?;
        let written = writer.join().map_err(|_| EngineError::Failed("writing to espeak-ng panicked".into()))?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        if !output.status.success() {
            let message = stderr.trim();
            if message.contains("voice does not exist") {
                return Err(EngineError::Unavailable(format!("espeak-ng has no voice {name:?}: {message}")));
            }
            return Err(EngineError::Failed(format!("espeak-ng failed ({}): {message}", output.status)));
        }
        written.map_err(|e| EngineError::Failed(format!("writing the text to espeak-ng: {e}")))?;
        let pcm = wav::decode(&output.stdout).map_err(|e| EngineError::Failed(format!("espeak-ng's audio: {e}")))?;
        tracing::debug!(chars = text.len(), seconds = pcm.seconds(), wpm, voice = name, "espeak-ng spoke");
        Ok(pcm)
    }
}

fn find_on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(program)).find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speed_maps_to_words_per_minute_within_espeaks_range() {
        assert_eq!(words_per_minute(1.0).expect("valid"), 175);
        assert_eq!(words_per_minute(1.5).expect("valid"), 263);
        assert_eq!(words_per_minute(0.1).expect("valid"), 80);
        assert_eq!(words_per_minute(10.0).expect("valid"), 450);
        assert!(matches!(words_per_minute(f32::NAN), Err(EngineError::Failed(_))));
        assert!(matches!(words_per_minute(0.0), Err(EngineError::Failed(_))));
    }

    #[test]
    fn voice_names_that_look_like_options_are_refused() {
        assert!(valid_voice("en-us"));
        assert!(valid_voice("en-gb-x-rp"));
        assert!(valid_voice("en-us+f3"));
        assert!(!valid_voice("--stdout"));
        assert!(!valid_voice("../../etc/passwd"));
        assert!(!valid_voice("en us"));
    }

    #[test]
    fn a_missing_program_is_unavailable_with_the_install_command() {
        let error = EspeakEngine::with_program("/nonexistent/espeak-ng").expect_err("not there");
        assert!(matches!(error, EngineError::Unavailable(_)));
        assert!(error.to_string().contains("apt-get install espeak-ng"), "{error}");
    }
}
