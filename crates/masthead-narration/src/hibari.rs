//! The default neural voice: hibari "heart", a 6 M-parameter model distilled from Kokoro-82M
//! (Apache-2.0; attribution in the crate's NOTICE), run through ONNX Runtime.
//!
//! Everything it needs comes from an installed voice directory (see [`crate::install`]): the
//! model, its phoneme vocabulary, misaki's lexicons and the out-of-vocabulary net for
//! grapheme-to-phoneme conversion, and `libonnxruntime`, which is loaded at run time so the
//! binary neither links nor bundles it.

mod dsp;
mod g2p;
mod lexicon;
mod tagger;

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use ort::environment::Environment;
use ort::session::Session;
use ort::value::Tensor;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::install::VoiceDir;
use crate::{Engine, EngineError, Pcm, VoiceSettings};

pub use dsp::SAMPLE_RATE;

/// Sentences whose phonemes are longer than this are split at clause punctuation: the model
/// was trained on sentence-length inputs and its attention degrades beyond them.
const MAX_PHONEMES: usize = 400;
/// The one voice the package carries.
pub const VOICE: &str = "heart";
/// The noise branch is random; a fixed seed makes the same text always give the same audio,
/// which keeps cached narrations and snapshot tests stable.
const NOISE_SEED: u64 = 0x6869_6261_7269;

pub struct HibariEngine {
    session: Mutex<Session>,
    vocab: HashMap<char, i64>,
    g2p: g2p::G2p,
    titles: HashSet<String>,
    synth: dsp::Synthesizer,
}

impl std::fmt::Debug for HibariEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HibariEngine").finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct NormalizeTables {
    titles: HashMap<String, String>,
}

fn unavailable(what: &str, path: &Path, error: impl std::fmt::Display) -> EngineError {
    EngineError::Unavailable(format!(
        "hibari voice: cannot read {what} at {}: {error}; run `masthead voices install`",
        path.display()
    ))
}

pub(crate) fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T, EngineError> {
    let file = File::open(path).map_err(|e| unavailable("file", path, e))?;
    serde_json::from_reader(BufReader::new(file)).map_err(|e| unavailable("JSON", path, e))
}

fn read_gzip_json<T: DeserializeOwned>(path: &Path) -> Result<T, EngineError> {
    let file = File::open(path).map_err(|e| unavailable("file", path, e))?;
    let reader = BufReader::new(flate2::read::GzDecoder::new(BufReader::new(file)));
    serde_json::from_reader(reader).map_err(|e| unavailable("lexicon", path, e))
}

fn session(environment: &Environment, path: &Path) -> Result<Session, EngineError> {
    let build = || -> ort::Result<Session> {
        // One thread each: narration runs beside the web server on small machines, and the
        // model is already ~70x real time on one core.
        Session::builder(environment)?.with_intra_threads(1)?.with_inter_threads(1)?.commit_from_file(path)
    };
    build().map_err(|e| unavailable("ONNX model", path, e))
}

impl HibariEngine {
    /// Loads the voice from an installed voice directory (the one `masthead voices install`
    /// creates). Takes about a second: the lexicons are large.
    pub fn load(dir: &Path) -> Result<Self, EngineError> {
        let voice = VoiceDir::new(dir);
        let library = voice.onnxruntime_library();
        let environment = ort::init_from(&library)
            .map_err(|e| unavailable("ONNX Runtime library", &library, e))?
            .with_name("masthead-narration")
            .build()
            .map_err(|e| unavailable("ONNX Runtime library", &library, e))?;
        let assets = voice.assets();
        let model = session(&environment, &assets.join("hibari.onnx"))?;
        let vocab: HashMap<String, i64> = read_json(&assets.join("vocab.json"))?;
        let vocab = vocab.into_iter().filter_map(|(k, v)| Some((k.chars().next()?, v))).collect();
        let gold = read_gzip_json(&assets.join("lexicon_us_gold.json.gz"))?;
        let silver = read_gzip_json(&assets.join("lexicon_us_silver.json.gz"))?;
        let lexicon = lexicon::Lexicon::new(lexicon::Dictionary::new(gold), lexicon::Dictionary::new(silver));
        let oov = g2p::OovNet::load(session(&environment, &assets.join("oov.onnx"))?, &assets.join("oov.json"))?;
        let tables: NormalizeTables = read_json(&assets.join("normalize.json"))?;
        let tagger = tagger::Tagger::new(read_gzip_json(&assets.join("tagger.json.gz"))?);
        Ok(Self {
            session: Mutex::new(model),
            vocab,
            titles: tables.titles.keys().cloned().collect(),
            g2p: g2p::G2p::new(lexicon, Some(oov), Some(tagger), tables.titles),
            synth: dsp::Synthesizer::new(),
        })
    }

    /// The phoneme chunks the model will be fed for `text`, one or more per sentence.
    pub fn phonemize(&self, text: &str) -> Result<Vec<String>, EngineError> {
        let mut chunks = Vec::new();
        for sentence in split_sentences(text, &self.titles) {
            let ps = self.g2p.phonemize(&sentence)?;
            if !ps.is_empty() {
                chunks.extend(chunk_phonemes(&ps, MAX_PHONEMES));
            }
        }
        Ok(chunks)
    }

    fn ids(&self, phonemes: &str) -> Vec<i64> {
        let mut ids = vec![0];
        ids.extend(phonemes.chars().filter_map(|c| self.vocab.get(&c).copied()));
        ids.push(0);
        ids
    }

    fn speak_chunk(&self, ids: Vec<i64>, speed: f32, noise: &mut dsp::GaussianNoise) -> Result<Vec<f32>, EngineError> {
        let failed = |e: ort::Error| EngineError::Failed(format!("hibari model: {e}"));
        let len = ids.len();
        let ids = Tensor::from_array(([1usize, len], ids)).map_err(failed)?;
        let speed = Tensor::from_array(([1usize], vec![speed])).map_err(failed)?;
        let mut session = self.session.lock().map_err(|_| EngineError::Failed("hibari model poisoned".into()))?;
        let outputs = session.run(ort::inputs!["ids" => ids, "speed" => speed]).map_err(failed)?;
        let tensor = |name: &str| -> Result<&[f32], EngineError> {
            let value =
                outputs.get(name).ok_or_else(|| EngineError::Failed(format!("hibari model has no output {name}")))?;
            Ok(value.try_extract_tensor::<f32>().map_err(failed)?.1)
        };
        let f0 = tensor("f0")?;
        let model = dsp::Frames {
            frames: f0.len(),
            lh: tensor("lh")?,
            theta: tensor("theta")?,
            ln: tensor("ln")?,
            lr: tensor("lr")?,
            phi: tensor("phi")?,
            f0,
        };
        let expected = dsp::BINS * model.frames;
        if [model.lh, model.theta, model.ln, model.lr, model.phi].iter().any(|t| t.len() != expected) {
            return Err(EngineError::Failed("hibari model returned tensors of unexpected shape".into()));
        }
        Ok(self.synth.synthesize(&model, &mut || noise.sample()))
    }
}

/// The hibari voice, loaded the first time it is asked to speak. Loading reads the model and the
/// lexicons (about half a second), which a server should not spend before answering its first
/// request; narration runs later, on its own thread. ONNX Runtime allows one environment per
/// process, so a voice that fails to load keeps its first error (repairing it needs a restart).
pub struct LazyHibariEngine {
    dir: PathBuf,
    loaded: OnceLock<Result<HibariEngine, String>>,
}

impl LazyHibariEngine {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into(), loaded: OnceLock::new() }
    }
}

impl Engine for LazyHibariEngine {
    fn name(&self) -> &'static str {
        "hibari"
    }

    fn synthesize(&self, text: &str, voice: &VoiceSettings) -> Result<Pcm, EngineError> {
        match self.loaded.get_or_init(|| HibariEngine::load(&self.dir).map_err(|e| e.to_string())) {
            Ok(engine) => engine.synthesize(text, voice),
            Err(error) => Err(EngineError::Unavailable(error.clone())),
        }
    }
}

impl Engine for HibariEngine {
    fn name(&self) -> &'static str {
        "hibari"
    }

    fn synthesize(&self, text: &str, voice: &VoiceSettings) -> Result<Pcm, EngineError> {
        if !(voice.voice.is_empty() || voice.voice == VOICE) {
            return Err(EngineError::Unavailable(format!(
                "hibari has one installed voice, \"{VOICE}\"; \"{}\" is not available",
                voice.voice
            )));
        }
        let speed = if voice.speed.is_finite() { voice.speed.clamp(0.5, 2.0) } else { 1.0 };
        let mut noise = dsp::GaussianNoise::new(NOISE_SEED);
        let mut samples = Vec::new();
        for chunk in self.phonemize(text)? {
            let ids = self.ids(&chunk);
            if ids.len() < 3 {
                continue;
            }
            samples.extend(self.speak_chunk(ids, speed, &mut noise)?);
        }
        Ok(Pcm { sample_rate: SAMPLE_RATE, samples })
    }
}

/// Splits text into sentences at `.`, `!`, `?` and `…` followed by space, but not after a title
/// ("Dr. Smith"), an initial ("J. K. Rowling") or before a lowercase word.
pub fn split_sentences(text: &str, titles: &HashSet<String>) -> Vec<String> {
    let mut out = Vec::new();
    for paragraph in text.trim().split('\n') {
        let chars: Vec<char> = paragraph.trim().chars().collect();
        let mut cut = 0;
        let mut i = 0;
        while i < chars.len() {
            if !matches!(chars[i], '.' | '!' | '?' | '…') {
                i += 1;
                continue;
            }
            let end = i + 1;
            let mut j = end;
            while j < chars.len() && matches!(chars[j], '"' | '”' | '’' | ')' | ']') {
                j += 1;
            }
            let space_start = j;
            while j < chars.len() && chars[j].is_whitespace() {
                j += 1;
            }
            if j == space_start || j >= chars.len() {
                i = end;
                continue;
            }
            if ends_sentence(&chars, end, chars[j], titles) {
                out.push(chars[cut..end].iter().collect::<String>());
                cut = j;
            }
            i = j;
        }
        out.push(chars[cut..].iter().collect::<String>());
    }
    out.into_iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
}

fn ends_sentence(chars: &[char], end: usize, next: char, titles: &HashSet<String>) -> bool {
    if next.is_lowercase() {
        return false;
    }
    if chars[end - 1] != '.' {
        return true;
    }
    let start = chars[..end].iter().rposition(|&c| c == ' ').map_or(0, |p| p + 1);
    let word: String = chars[start..end - 1].iter().collect();
    let word = word.trim_start_matches(['(', '"', '“', '\'', '‘']);
    let initial = word.chars().count() == 1 && word.chars().all(char::is_uppercase);
    !(titles.contains(word) || initial)
}

/// Splits an over-long phoneme string after clause punctuation and greedily packs the pieces
/// into chunks of at most `max` characters (a single piece longer than that stays whole).
pub fn chunk_phonemes(ps: &str, max: usize) -> Vec<String> {
    if ps.chars().count() <= max {
        return vec![ps.to_string()];
    }
    let mut pieces = Vec::new();
    let mut current = String::new();
    let mut chars = ps.chars().peekable();
    while let Some(c) = chars.next() {
        current.push(c);
        if matches!(c, ',' | ';' | ':' | '—') && chars.peek().is_some_and(|n| n.is_whitespace()) {
            while chars.peek().is_some_and(|n| n.is_whitespace()) {
                chars.next();
            }
            pieces.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        pieces.push(current);
    }
    let mut chunks = Vec::new();
    let mut chunk = String::new();
    for piece in pieces {
        let needed = chunk.chars().count() + piece.chars().count() + 1;
        if !chunk.is_empty() && needed > max {
            chunks.push(std::mem::take(&mut chunk));
            chunk = piece;
        } else if chunk.is_empty() {
            chunk = piece;
        } else {
            chunk.push(' ');
            chunk.push_str(&piece);
        }
    }
    if !chunk.is_empty() {
        chunks.push(chunk);
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn titles() -> HashSet<String> {
        ["Dr", "Mr", "St"].into_iter().map(String::from).collect()
    }

    #[test]
    fn sentences_split_at_end_punctuation() {
        assert_eq!(
            split_sentences("The council met. It voted! Was it right? \"Yes.\" Then home.", &titles()),
            vec!["The council met.", "It voted!", "Was it right?", "\"Yes.", "Then home."]
        );
    }

    #[test]
    fn titles_initials_and_lowercase_do_not_end_sentences() {
        assert_eq!(
            split_sentences("Dr. Smith met J. K. Rowling. The end... of it.\nNew line", &titles()),
            vec!["Dr. Smith met J. K. Rowling.", "The end... of it.", "New line"]
        );
    }

    #[test]
    fn short_phonemes_are_one_chunk() {
        assert_eq!(chunk_phonemes("ðə kˈWnsᵊl, mˈɛt.", 400), vec!["ðə kˈWnsᵊl, mˈɛt."]);
    }

    #[test]
    fn long_phonemes_split_at_clauses_within_the_limit() {
        let clause = "a".repeat(150);
        let ps = format!("{clause}, {clause}; {clause}: {clause}.");
        let chunks = chunk_phonemes(&ps, 400);
        assert_eq!(chunks.len(), 2);
        assert!(chunks.iter().all(|c| c.chars().count() <= 400));
        assert_eq!(chunks.join(" "), ps);
        assert!(chunks[0].ends_with(';'));
    }
}
