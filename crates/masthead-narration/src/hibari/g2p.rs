//! Text → phonemes in the voice's alphabet (misaki's symbols, the ones in `vocab.json`).
//!
//! Words are split off the punctuation around them, looked up in the lexicon (see
//! [`super::lexicon`]) from the end of the sentence backwards, because a word's reading can depend
//! on the sound that follows it ("the apple", "to it"), and words the lexicon cannot read go to
//! the voice package's out-of-vocabulary net. Punctuation the model knows is kept: it shapes the
//! pauses and intonation.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use ort::session::Session;
use ort::value::Tensor;
use serde::Deserialize;

use super::lexicon::{Lexicon, NextSound, PRIMARY, apply_stress, is_consonant, is_vowel};
use super::tagger::Tagger;
use crate::EngineError;

/// Punctuation the model has symbols for, passed through as phonemes.
const KEPT_PUNCTUATION: &str = ";:,.!?—…\"“”";
/// Punctuation that ends a phrase as far as the next-sound rules go (quotes do not).
const PHRASE_PUNCTUATION: &str = ";:,.!?—…";
/// Characters that may open a word and are split off it.
const OPENERS: &str = "\"“‘'([{«$£€#*<";
/// Characters that may close a word and are split off it.
const CLOSERS: &str = "\"”’'.,;:!?)]}»…*>";

#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Word(String),
    Punctuation(String),
}

#[derive(Debug, Clone, PartialEq)]
struct Token {
    piece: Piece,
    /// The text as written, which the tagger sees.
    text: String,
    space_after: bool,
}

/// Splits text into words and punctuation, keeping track of where the spaces were.
/// `abbreviation` is asked about every word that ends in a period ("Dr.", "etc.", "U.S.") and
/// returns what to read instead when the period belongs to the word rather than ending a
/// sentence.
fn tokenize(text: &str, abbreviation: &dyn Fn(&str) -> Option<String>) -> Vec<Token> {
    let mut tokens = Vec::new();
    for chunk in text.split_whitespace() {
        let start = tokens.len();
        split_chunk(chunk, abbreviation, &mut tokens);
        if tokens.len() > start
            && let Some(last) = tokens.last_mut()
        {
            last.space_after = true;
        }
    }
    if let Some(last) = tokens.last_mut() {
        last.space_after = false;
    }
    tokens
}

fn split_chunk(chunk: &str, abbreviation: &dyn Fn(&str) -> Option<String>, tokens: &mut Vec<Token>) {
    let mut rest = chunk;
    // Opening punctuation, one character at a time.
    while let Some(c) = rest.chars().next() {
        if !OPENERS.contains(c) || rest.chars().count() == 1 && !KEPT_PUNCTUATION.contains(c) {
            break;
        }
        push_punctuation(c, tokens);
        rest = &rest[c.len_utf8()..];
    }
    let mut closers = Vec::new();
    let mut replacement = None;
    while let Some(c) = rest.chars().last() {
        if !CLOSERS.contains(c) {
            break;
        }
        let body = &rest[..rest.len() - c.len_utf8()];
        if c == '.'
            && !body.is_empty()
            && let Some(word) = abbreviation(body)
        {
            replacement = Some(word);
            rest = "";
            break;
        }
        closers.push(c);
        rest = body;
    }
    if let Some(word) = replacement {
        tokens.push(Token { text: word.clone(), piece: Piece::Word(word), space_after: false });
    } else if !rest.is_empty() {
        split_infixes(rest, tokens);
    }
    for c in closers.into_iter().rev() {
        push_punctuation(c, tokens);
    }
}

fn is_dotted_initials(body: &str) -> bool {
    body.contains('.') && body.split('.').all(|part| part.chars().count() == 1 && part.chars().all(char::is_alphabetic))
}

/// Dashes between words become a pause; a hyphen inside a word joins its parts.
fn split_infixes(word: &str, tokens: &mut Vec<Token>) {
    let mut current = String::new();
    let chars: Vec<char> = word.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let between_letters =
            i > 0 && i + 1 < chars.len() && chars[i - 1].is_alphanumeric() && chars[i + 1].is_alphabetic();
        if between_letters && (c == '—' || c == '–' || c == '/') {
            push_word(&mut current, tokens);
            push_punctuation(c, tokens);
        } else {
            current.push(c);
        }
    }
    push_word(&mut current, tokens);
}

fn push_word(current: &mut String, tokens: &mut Vec<Token>) {
    if current.is_empty() {
        return;
    }
    let word = std::mem::take(current);
    if word == "-" || word == "--" || word == "–" || word == "—" {
        tokens.push(Token { piece: Piece::Punctuation("—".to_string()), text: word, space_after: false });
    } else {
        tokens.push(Token { text: word.clone(), piece: Piece::Word(word), space_after: false });
    }
}

fn push_punctuation(c: char, tokens: &mut Vec<Token>) {
    let phonemes = match c {
        '(' | '[' | '{' => "(".to_string(),
        ')' | ']' | '}' => ")".to_string(),
        '–' | '-' | '—' => "—".to_string(),
        c if KEPT_PUNCTUATION.contains(c) => c.to_string(),
        _ => String::new(),
    };
    // A slash between words is read out, as "and/or" is.
    let piece = if c == '/' { Piece::Word("slash".to_string()) } else { Piece::Punctuation(phonemes) };
    tokens.push(Token { piece, text: c.to_string(), space_after: false });
}

/// The voice package's out-of-vocabulary net: a small character model trained to read unknown
/// words the way the voice's reference pipeline did.
pub struct OovNet {
    session: Mutex<Session>,
    letters: HashMap<char, i64>,
    phonemes: Vec<char>,
    max_len: usize,
}

#[derive(Deserialize)]
struct OovMeta {
    #[serde(rename = "in")]
    letters: Vec<String>,
    #[serde(rename = "out")]
    phonemes: Vec<String>,
    maxlen: usize,
}

impl OovNet {
    pub fn load(session: Session, meta_path: &Path) -> Result<Self, EngineError> {
        let meta: OovMeta = super::read_json(meta_path)?;
        let letters =
            meta.letters.iter().enumerate().filter_map(|(i, s)| Some((s.chars().next()?, i as i64 + 1))).collect();
        let phonemes = meta.phonemes.iter().map(|s| s.chars().next().unwrap_or(' ')).collect();
        Ok(Self { session: Mutex::new(session), letters, phonemes, max_len: meta.maxlen })
    }

    pub fn read(&self, word: &str) -> Result<Option<String>, EngineError> {
        let ids: Vec<i64> = word.chars().filter_map(|c| self.letters.get(&c).copied()).take(self.max_len).collect();
        if ids.is_empty() {
            return Ok(None);
        }
        let input = Tensor::from_array(([1usize, ids.len()], ids))
            .map_err(|e| EngineError::Failed(format!("hibari OOV input: {e}")))?;
        let mut session = self.session.lock().map_err(|_| EngineError::Failed("hibari OOV net poisoned".into()))?;
        let outputs = session
            .run(ort::inputs!["chars" => input])
            .map_err(|e| EngineError::Failed(format!("hibari OOV net: {e}")))?;
        let (_, out) = outputs[0]
            .try_extract_tensor::<i64>()
            .map_err(|e| EngineError::Failed(format!("hibari OOV output: {e}")))?;
        // CTC output: collapse repeats, drop blanks (0).
        let mut ps = String::new();
        let mut previous = 0;
        for &id in out {
            if id != previous
                && id != 0
                && let Some(&c) = usize::try_from(id - 1).ok().and_then(|i| self.phonemes.get(i))
            {
                ps.push(c);
            }
            previous = id;
        }
        Ok(Some(ps))
    }
}

pub struct G2p {
    lexicon: Lexicon,
    oov: Option<OovNet>,
    tagger: Option<Tagger>,
    /// Titles written with a period and how to read them ("Gov" → "Governor"), from the voice
    /// package's normalisation tables.
    titles: HashMap<String, String>,
}

impl G2p {
    pub fn new(lexicon: Lexicon, oov: Option<OovNet>, tagger: Option<Tagger>, titles: HashMap<String, String>) -> Self {
        Self { lexicon, oov, tagger, titles }
    }

    /// A part-of-speech tag per token (empty without a tagger). The tagger was trained on
    /// spaCy's tokens, which split off "'s" and "n't" and split hyphenated words, so it is
    /// shown those; a token takes the tag of its weightiest piece.
    fn tags(&self, tokens: &[Token]) -> Vec<String> {
        let Some(tagger) = &self.tagger else {
            return vec![String::new(); tokens.len()];
        };
        let pieces: Vec<Vec<String>> = tokens.iter().map(|t| tagger_pieces(&t.text)).collect();
        let flat: Vec<String> = pieces.iter().flatten().cloned().collect();
        let mut tags = tagger.tag(&flat).into_iter();
        pieces
            .iter()
            .map(|group| {
                let group_tags: Vec<String> = tags.by_ref().take(group.len()).collect();
                let weight = |p: &String| p.chars().map(|c| if c.is_uppercase() { 2 } else { 1 }).sum::<usize>();
                let mut best = 0;
                for (i, piece) in group.iter().enumerate() {
                    if weight(piece) > weight(&group[best]) {
                        best = i;
                    }
                }
                group_tags.get(best).cloned().unwrap_or_default()
            })
            .collect()
    }

    fn abbreviation(&self, body: &str) -> Option<String> {
        if let Some(reading) = self.titles.get(body) {
            return Some(reading.clone());
        }
        let dotted = format!("{body}.");
        if self.lexicon.has_entry(&dotted) {
            return Some(dotted);
        }
        is_dotted_initials(body).then(|| body.to_string())
    }

    /// The phoneme string for one sentence.
    pub fn phonemize(&self, text: &str) -> Result<String, EngineError> {
        let tokens = tokenize(text, &|body| self.abbreviation(body));
        let tags = self.tags(&tokens);
        let mut readings = vec![String::new(); tokens.len()];
        let mut next = NextSound::None;
        let mut next_is_to = false;
        for (i, token) in tokens.iter().enumerate().rev() {
            let ps = match &token.piece {
                Piece::Punctuation(ps) => ps.clone(),
                // "used to" is the past of a habit (jˈust), not the past of "use" (jˈuzd).
                Piece::Word(word) if next_is_to && matches!(word.as_str(), "used" | "Used" | "USED") => {
                    self.lexicon.tagged("used", "VBD").unwrap_or_default()
                }
                Piece::Word(word) => self.word(word, &tags[i], next)?,
            };
            next_is_to = matches!(&token.piece, Piece::Word(w) if matches!(w.as_str(), "to" | "To" | "TO"));
            next = next_sound(&ps).unwrap_or(next);
            readings[i] = ps;
        }
        let mut out = String::new();
        for (token, ps) in tokens.iter().zip(&readings) {
            out.push_str(ps);
            if token.space_after && !ps.is_empty() {
                out.push(' ');
            }
        }
        // The model has no flap or glottal stop; misaki maps them to its T and t.
        Ok(out.trim().replace('ɾ', "T").replace('ʔ', "t"))
    }

    fn word(&self, word: &str, tag: &str, next: NextSound) -> Result<String, EngineError> {
        if let Some(ps) = self.lexicon.word(word, tag, next) {
            return Ok(ps);
        }
        // Hyphenated compounds the lexicon lacks: read each part.
        if word.contains('-') {
            let mut parts = Vec::new();
            for part in word.split('-').filter(|p| !p.is_empty()) {
                parts.push((part, self.word(part, tag, next)?));
            }
            if parts.iter().all(|(text, _)| text.chars().all(char::is_alphabetic)) {
                return Ok(compound(parts));
            }
            return Ok(parts.into_iter().map(|(_, ps)| ps).collect::<Vec<_>>().join(" "));
        }
        self.fallback(word)
    }

    /// An unknown word: letter runs go to the OOV net, digit runs to the number reader, anything
    /// else is dropped.
    fn fallback(&self, word: &str) -> Result<String, EngineError> {
        let mut out = Vec::new();
        for run in runs(word) {
            let ps = if run.starts_with(|c: char| c.is_ascii_digit()) {
                self.lexicon.number(&run)
            } else if run.starts_with(char::is_alphabetic) {
                match &self.oov {
                    Some(net) => net.read(&run)?,
                    None => None,
                }
            } else {
                None
            };
            if let Some(ps) = ps.filter(|ps| !ps.is_empty()) {
                out.push(ps);
            }
        }
        Ok(out.join(" "))
    }
}

/// A token as spaCy would split it for tagging.
fn tagger_pieces(text: &str) -> Vec<String> {
    let normal = text.replace('\u{2019}', "'");
    for suffix in ["n't", "'s", "'S", "'re", "'ll", "'ve", "'d", "'m"] {
        if let Some(stem) = normal.strip_suffix(suffix)
            && !stem.is_empty()
        {
            return vec![stem.to_string(), suffix.to_string()];
        }
    }
    if normal.len() > 1 && normal.contains('-') && !normal.starts_with('-') && !normal.ends_with('-') {
        let mut pieces = Vec::new();
        for (i, part) in normal.split('-').enumerate() {
            if i > 0 {
                pieces.push("-".to_string());
            }
            pieces.push(part.to_string());
        }
        return pieces;
    }
    vec![text.to_string()]
}

/// One word made of several: read as one, with the lighter parts' stress demoted so that
/// "well-known" has one main stress, as misaki does.
fn compound(mut parts: Vec<(&str, String)>) -> String {
    let stressed: Vec<usize> = (0..parts.len()).filter(|&i| !parts[i].1.is_empty()).collect();
    if stressed.len() == 2 && parts[stressed[0]].0.chars().count() == 1 {
        let i = stressed[1];
        parts[i].1 = apply_stress(&parts[i].1, Some(-0.5));
    } else if stressed.len() >= 2 {
        let primaries = stressed.iter().filter(|&&i| parts[i].1.contains(PRIMARY)).count();
        if primaries > stressed.len().div_ceil(2) {
            let mut order: Vec<(bool, usize, usize)> =
                stressed.iter().map(|&i| (parts[i].1.contains(PRIMARY), stress_weight(&parts[i].1), i)).collect();
            order.sort();
            for &(_, _, i) in order.iter().take(stressed.len() / 2) {
                parts[i].1 = apply_stress(&parts[i].1, Some(-0.5));
            }
        }
    }
    parts.into_iter().map(|(_, ps)| ps).collect()
}

/// Diphthongs count double when parts of a compound compete for stress.
fn stress_weight(ps: &str) -> usize {
    ps.chars().map(|c| if "AIOQWYʤʧ".contains(c) { 2 } else { 1 }).sum()
}

/// Splits a word into runs of letters (with inner apostrophes), digits and other characters.
fn runs(word: &str) -> Vec<String> {
    let class = |c: char| {
        if c.is_alphabetic() || c == '\'' {
            0
        } else if c.is_ascii_digit() || c == ',' || c == '.' {
            1
        } else {
            2
        }
    };
    let mut out: Vec<String> = Vec::new();
    let mut last = None;
    for c in word.chars() {
        let k = class(c);
        match out.last_mut() {
            Some(run) if last == Some(k) => run.push(c),
            _ => out.push(c.to_string()),
        }
        last = Some(k);
    }
    out
}

/// What a reading starts with, for the word before it. `None` when it starts with nothing that
/// counts (an empty reading or a quote), so the previous answer carries over.
fn next_sound(ps: &str) -> Option<NextSound> {
    ps.chars().find_map(|c| {
        if PHRASE_PUNCTUATION.contains(c) {
            Some(NextSound::None)
        } else if is_vowel(c) {
            Some(NextSound::Vowel)
        } else if is_consonant(c) {
            Some(NextSound::Consonant)
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::super::lexicon::{Dictionary, Entry};
    use super::*;

    fn words(text: &str) -> Vec<(String, bool)> {
        tokenize(text, &|body| is_dotted_initials(body).then(|| body.to_string()))
            .into_iter()
            .map(|t| match t.piece {
                Piece::Word(w) => (w, t.space_after),
                Piece::Punctuation(p) => (format!("<{p}>"), t.space_after),
            })
            .collect()
    }

    #[test]
    fn punctuation_is_split_off_words() {
        assert_eq!(
            words("\"Sent,\" he said (twice)."),
            vec![
                ("<\">".to_string(), false),
                ("Sent".to_string(), false),
                ("<,>".to_string(), false),
                ("<\">".to_string(), true),
                ("he".to_string(), true),
                ("said".to_string(), true),
                ("<(>".to_string(), false),
                ("twice".to_string(), false),
                ("<)>".to_string(), false),
                ("<.>".to_string(), false),
            ]
        );
    }

    #[test]
    fn dashes_become_pauses_and_hyphens_stay_in_words() {
        assert_eq!(
            words("cuts — again; long-term"),
            vec![
                ("cuts".to_string(), true),
                ("<—>".to_string(), true),
                ("again".to_string(), false),
                ("<;>".to_string(), true),
                ("long-term".to_string(), false),
            ]
        );
        assert_eq!(words("U.S. aid")[0], ("U.S".to_string(), true));
    }

    fn g2p() -> G2p {
        let gold: HashMap<String, Entry> = serde_json::from_str(
            r#"{"the": "ði", "council": "kˈWnsᵊl", "apple": "ˈæpᵊl", "voted": "vˈOTᵻd", "long": "lˈɔŋ",
                "term": "tˈɜɹm", "vote": "vˈOt", "well": "wˈɛl", "known": "nˈOn", "Governor": "ɡˈʌvəɹnəɹ", "to": "tu",
                "used": {"DEFAULT": "jˈuzd", "VBD": "jˈust"}, "U": "jˈu", "S": "ˈɛs"}"#,
        )
        .expect("test lexicon parses");
        let titles = HashMap::from([("Gov".to_string(), "Governor".to_string())]);
        G2p::new(Lexicon::new(Dictionary::new(gold), Dictionary::default()), None, None, titles)
    }

    #[test]
    fn a_sentence_reads_with_context_and_punctuation() {
        let g2p = g2p();
        assert_eq!(g2p.phonemize("The council voted.").expect("phonemizes"), "ðə kˈWnsᵊl vˈOTᵻd.");
        assert_eq!(g2p.phonemize("The apple, the council").expect("phonemizes"), "ði ˈæpᵊl, ðə kˈWnsᵊl");
        assert_eq!(g2p.phonemize("long-term").expect("phonemizes"), "lˌɔŋtˈɜɹm");
        assert_eq!(g2p.phonemize("well-known").expect("phonemizes"), "wˌɛlnˈOn");
    }

    #[test]
    fn abbreviations_keep_their_period_and_titles_are_expanded() {
        let g2p = g2p();
        assert_eq!(g2p.phonemize("Gov. council").expect("phonemizes"), "ɡˈʌvəɹnəɹ kˈWnsᵊl");
        assert_eq!(g2p.phonemize("the U.S. council").expect("phonemizes"), "ðə jˌuˈɛs kˈWnsᵊl");
    }

    #[test]
    fn used_to_is_a_habit() {
        let g2p = g2p();
        assert_eq!(g2p.phonemize("used to vote").expect("phonemizes"), "jˈust tə vˈOt");
        assert_eq!(g2p.phonemize("the used apple").expect("phonemizes"), "ðə jˈuzd ˈæpᵊl");
    }

    #[test]
    fn unknown_words_without_the_net_are_dropped() {
        assert_eq!(g2p().phonemize("The Zorblat council").expect("phonemizes"), "ðə kˈWnsᵊl");
    }
}
