//! Word → phonemes from misaki's US lexicons (shipped in the hibari voice package), with misaki's
//! rules for what the dictionaries leave out: capitalisation, `-s`/`-ed`/`-ing` forms, letter-by-
//! letter acronyms, a few function words whose reading depends on the next word, and numbers.
//!
//! The model was trained on audio whose phonemes came from these rules, so following them (rather
//! than inventing our own) is what keeps the voice's pronunciation right.
//!
//! Tags are Penn Treebank tags from [`super::tagger`]; an empty tag means "unknown", which
//! gives heteronyms their `DEFAULT` reading.

use std::collections::HashMap;

use serde::Deserialize;

use super::tagger::parent_tag;

pub const PRIMARY: char = 'ˈ';
pub const SECONDARY: char = 'ˌ';
const VOWELS: &str = "AIOQWYaiuæɑɒɔəɛɜɪʊʌᵻ";
const CONSONANTS: &str = "bdfhjklmnpstvwzðŋɡɹɾʃʒʤʧθ";
/// Vowels (and ɹ) after which a US `t` is flapped before `-ed`/`-ing`.
const FLAPPING: &str = "AIOWYiuæɑəɛɪɹʊʌ";

pub fn is_vowel(c: char) -> bool {
    VOWELS.contains(c)
}

pub fn is_consonant(c: char) -> bool {
    CONSONANTS.contains(c)
}

/// A lexicon value: one reading, or readings by part of speech (`DEFAULT` always present; a
/// reading may be `null`, meaning "not this way, try spelling it").
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Entry {
    One(String),
    ByTag(HashMap<String, Option<String>>),
}

/// What the next word looks like, which the articles and "to" need.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub enum NextSound {
    /// End of the phrase (punctuation or nothing follows).
    #[default]
    None,
    Vowel,
    Consonant,
}

/// One of misaki's dictionaries, answering for the lowercase and Capitalised forms of a word
/// unless the other form has an entry of its own.
#[derive(Debug, Default)]
pub struct Dictionary(HashMap<String, Entry>);

impl Dictionary {
    pub fn new(entries: HashMap<String, Entry>) -> Self {
        Self(entries)
    }

    pub fn get(&self, word: &str) -> Option<&Entry> {
        if let Some(entry) = self.0.get(word) {
            return Some(entry);
        }
        if word.chars().count() < 2 {
            return None;
        }
        let lower = word.to_lowercase();
        if word == lower {
            let capital = capitalize(word);
            return if capital != word { self.0.get(&capital) } else { None };
        }
        if word == capitalize(&lower) {
            return self.0.get(&lower);
        }
        None
    }

    fn contains(&self, word: &str) -> bool {
        self.get(word).is_some()
    }
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars.flat_map(char::to_lowercase)).collect(),
        None => String::new(),
    }
}

fn is_alpha(word: &str) -> bool {
    !word.is_empty() && word.chars().all(char::is_alphabetic)
}

fn is_upper(word: &str) -> bool {
    word == word.to_uppercase()
}

fn is_lower(word: &str) -> bool {
    word == word.to_lowercase()
}

/// Drop the first character (a char, not a byte).
fn tail(word: &str) -> &str {
    word.char_indices().nth(1).map_or("", |(i, _)| &word[i..])
}

/// Moves, adds or removes stress marks, misaki's `apply_stress`. `None` leaves the word as it
/// is; below -1 removes all stress; -1 (or 0 and -0.5 on a stressed word) demotes to secondary;
/// 0..1 on an unstressed word adds secondary stress; above 1 adds or promotes to primary.
pub fn apply_stress(ps: &str, stress: Option<f32>) -> String {
    let Some(stress) = stress else {
        return ps.to_string();
    };
    let has_primary = ps.contains(PRIMARY);
    let has_secondary = ps.contains(SECONDARY);
    let unstressed = !has_primary && !has_secondary;
    let has_vowel = ps.chars().any(is_vowel);
    if stress < -1.0 {
        ps.replace([PRIMARY, SECONDARY], "")
    } else if stress == -1.0 || ((stress == 0.0 || stress == -0.5) && has_primary) {
        ps.replace(SECONDARY, "").replace(PRIMARY, &SECONDARY.to_string())
    } else if (stress == 0.0 || stress == 0.5 || stress == 1.0) && unstressed {
        if has_vowel { restress(&format!("{SECONDARY}{ps}")) } else { ps.to_string() }
    } else if stress >= 1.0 && !has_primary && has_secondary {
        ps.replace(SECONDARY, &PRIMARY.to_string())
    } else if stress > 1.0 && unstressed {
        if has_vowel { restress(&format!("{PRIMARY}{ps}")) } else { ps.to_string() }
    } else {
        ps.to_string()
    }
}

/// Puts each stress mark immediately before the vowel it governs.
fn restress(ps: &str) -> String {
    let chars: Vec<char> = ps.chars().collect();
    let mut keyed: Vec<(f32, usize, char)> = chars
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let position = if c == PRIMARY || c == SECONDARY {
                chars[i..].iter().position(|&v| is_vowel(v)).map_or(i as f32, |off| (i + off) as f32 - 0.5)
            } else {
                i as f32
            };
            (position, i, c)
        })
        .collect();
    keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    keyed.into_iter().map(|(_, _, c)| c).collect()
}

pub struct Lexicon {
    gold: Dictionary,
    silver: Dictionary,
}

impl Lexicon {
    pub fn new(gold: Dictionary, silver: Dictionary) -> Self {
        Self { gold, silver }
    }

    /// Phonemes for one word (letters, apostrophes, hyphens, digits) given its part of speech
    /// and what follows it, or `None` when only the out-of-vocabulary net can guess.
    pub fn word(&self, text: &str, tag: &str, next: NextSound) -> Option<String> {
        let word = text.replace(['\u{2018}', '\u{2019}'], "'");
        // Capitalised words get a little stress, all-caps words more: emphasis in the source.
        let stress = if is_lower(&word) {
            None
        } else if is_upper(&word) {
            Some(2.0)
        } else {
            Some(0.5)
        };
        if let Some(ps) = self.get_word(&word, tag, stress, next) {
            return Some(ps);
        }
        if is_number(&word) {
            return self.number(&word);
        }
        None
    }

    /// Whether the word has an entry of its own (in either dictionary).
    pub fn has_entry(&self, word: &str) -> bool {
        self.gold.contains(word) || self.silver.contains(word)
    }

    /// The reading for one part of speech, for the few places the sentence settles it.
    pub fn tagged(&self, word: &str, tag: &str) -> Option<String> {
        match self.gold.get(word)? {
            Entry::ByTag(readings) => readings.get(tag).cloned().flatten(),
            Entry::One(ps) => Some(ps.clone()),
        }
    }

    fn is_known(&self, word: &str) -> bool {
        if self.gold.contains(word) || self.silver.contains(word) || symbol_word(word).is_some() {
            return true;
        }
        if !is_alpha(word) || !word.chars().all(|c| c.is_ascii_alphabetic() || c == '\'' || c == '-') {
            return false;
        }
        if word.chars().count() == 1 {
            return true;
        }
        if is_upper(word) && self.gold.contains(&word.to_lowercase()) {
            return true;
        }
        is_upper(tail(word))
    }

    fn lookup(&self, word: &str, tag: &str, stress: Option<f32>, next: NextSound) -> Option<String> {
        let mut word = word.to_string();
        let mut proper_noun = false;
        if is_upper(&word) && !self.gold.contains(&word) {
            word = word.to_lowercase();
            proper_noun = tag == "NNP";
        }
        let mut entry = self.gold.get(&word);
        if entry.is_none() && !proper_noun {
            entry = self.silver.get(&word);
        }
        let ps = match entry {
            Some(Entry::One(ps)) => Some(ps.clone()),
            Some(Entry::ByTag(readings)) => {
                let key = if next == NextSound::None && readings.contains_key("None") {
                    "None"
                } else if readings.contains_key(tag) {
                    tag
                } else {
                    parent_tag(tag)
                };
                match readings.get(key) {
                    Some(reading) => reading.clone(),
                    None => readings.get("DEFAULT").cloned().flatten(),
                }
            }
            None => None,
        };
        match ps {
            // An all-caps proper noun without a stressed reading is an acronym: spell it.
            Some(ps) if !proper_noun || ps.contains(PRIMARY) => Some(apply_stress(&ps, stress)),
            _ => self.spelled(&word),
        }
    }

    /// Letter by letter, stress on the last letter: "BBC", "U.S".
    fn spelled(&self, word: &str) -> Option<String> {
        let mut ps = String::new();
        for c in word.chars().filter(|c| c.is_alphabetic()) {
            match self.gold.get(&c.to_uppercase().to_string())? {
                Entry::One(letter) => ps.push_str(letter),
                Entry::ByTag(_) => return None,
            }
        }
        let ps = apply_stress(&ps, Some(0.0));
        Some(match ps.rfind(SECONDARY) {
            Some(at) => format!("{}{PRIMARY}{}", &ps[..at], &ps[at + SECONDARY.len_utf8()..]),
            None => ps,
        })
    }

    fn special_case(&self, word: &str, tag: &str, stress: Option<f32>, next: NextSound) -> Option<String> {
        if let Some(spoken) = symbol_word(word) {
            return self.lookup(spoken, "", None, next);
        }
        let trimmed = word.trim_matches('.');
        if trimmed.contains('.')
            && is_alpha(&word.replace('.', ""))
            && word.split('.').map(|p| p.chars().count()).max().unwrap_or(0) < 3
        {
            return self.spelled(word);
        }
        let ps = match word {
            // An empty tag (no tagger) reads "a" as the article, by far its commonest role.
            "a" | "A" => {
                if tag == "DT" || tag.is_empty() {
                    "ɐ".to_string()
                } else {
                    format!("{PRIMARY}A")
                }
            }
            "am" | "Am" | "AM" if tag.starts_with("NN") => self.spelled(word)?,
            "am" | "Am" | "AM" => {
                if next == NextSound::None || word != "am" || stress.is_some_and(|s| s > 0.0) {
                    self.lookup("am", "", None, next)?
                } else {
                    "ɐm".to_string()
                }
            }
            "AN" if tag.starts_with("NN") => self.spelled(word)?,
            "an" | "An" | "AN" => "ɐn".to_string(),
            "I" if tag == "PRP" || tag.is_empty() => format!("{SECONDARY}I"),
            "by" | "By" | "BY" if parent_tag(tag) == "ADV" => format!("b{PRIMARY}I"),
            "to" | "To" | "TO" => match next {
                NextSound::None => self.lookup("to", "", None, next)?,
                NextSound::Consonant => "tə".to_string(),
                NextSound::Vowel => "tʊ".to_string(),
            },
            "in" | "In" | "IN" if word != "IN" || tag != "NNP" => {
                let preposition = tag == "IN" || tag.is_empty();
                if next == NextSound::None || !preposition { format!("{PRIMARY}ɪn") } else { "ɪn".to_string() }
            }
            "the" | "The" | "THE" => {
                if next == NextSound::Vowel {
                    "ði".to_string()
                } else {
                    "ðə".to_string()
                }
            }
            _ => return None,
        };
        Some(ps)
    }

    fn get_word(&self, word: &str, tag: &str, stress: Option<f32>, next: NextSound) -> Option<String> {
        if let Some(ps) = self.special_case(word, tag, stress, next) {
            return Some(ps);
        }
        let lower = word.to_lowercase();
        let mut word = word.to_string();
        // "COUNCIL" or "Council" at the start of a sentence is the lowercase word, if we know it.
        if word.chars().count() > 1
            && is_alpha(&word.replace('\'', ""))
            && word != lower
            && (tag != "NNP" || word.chars().count() > 7)
            && !self.gold.contains(&word)
            && !self.silver.contains(&word)
            && (is_upper(&word) || is_lower(tail(&word)))
            && (self.gold.contains(&lower)
                || self.silver.contains(&lower)
                || self.stem_s(&lower, tag, stress, next).is_some()
                || self.stem_ed(&lower, tag, stress, next).is_some()
                || self.stem_ing(&lower, tag, stress, next).is_some())
        {
            word = lower;
        }
        if self.is_known(&word) {
            return self.lookup(&word, tag, stress, next);
        }
        if let Some(stem) = word.strip_suffix("s'") {
            let possessive = format!("{stem}'s");
            if self.is_known(&possessive) {
                return self.lookup(&possessive, tag, stress, next);
            }
        }
        if let Some(stem) = word.strip_suffix('\'')
            && self.is_known(stem)
        {
            return self.lookup(stem, tag, stress, next);
        }
        self.stem_s(&word, tag, stress, next)
            .or_else(|| self.stem_ed(&word, tag, stress, next))
            .or_else(|| self.stem_ing(&word, tag, Some(stress.unwrap_or(0.5)), next))
    }

    fn stem_s(&self, word: &str, tag: &str, stress: Option<f32>, next: NextSound) -> Option<String> {
        let n = word.chars().count();
        if n < 3 || !word.ends_with('s') {
            return None;
        }
        let stem = if !word.ends_with("ss") && self.is_known(&word[..word.len() - 1]) {
            word[..word.len() - 1].to_string()
        } else if (word.ends_with("'s") || (n > 4 && word.ends_with("es") && !word.ends_with("ies")))
            && self.is_known(&word[..word.len() - 2])
        {
            word[..word.len() - 2].to_string()
        } else if n > 4 && word.ends_with("ies") && self.is_known(&format!("{}y", &word[..word.len() - 3])) {
            format!("{}y", &word[..word.len() - 3])
        } else {
            return None;
        };
        plural(&self.lookup(&stem, tag, stress, next)?)
    }

    fn stem_ed(&self, word: &str, tag: &str, stress: Option<f32>, next: NextSound) -> Option<String> {
        let n = word.chars().count();
        if n < 4 || !word.ends_with('d') {
            return None;
        }
        let stem = if !word.ends_with("dd") && self.is_known(&word[..word.len() - 1]) {
            &word[..word.len() - 1]
        } else if n > 4 && word.ends_with("ed") && !word.ends_with("eed") && self.is_known(&word[..word.len() - 2]) {
            &word[..word.len() - 2]
        } else {
            return None;
        };
        past(&self.lookup(stem, tag, stress, next)?)
    }

    fn stem_ing(&self, word: &str, tag: &str, stress: Option<f32>, next: NextSound) -> Option<String> {
        let n = word.chars().count();
        if n < 5 || !word.ends_with("ing") {
            return None;
        }
        let base = &word[..word.len() - 3];
        let doubled = {
            let b: Vec<char> = base.chars().collect();
            b.len() >= 2 && b[b.len() - 1] == b[b.len() - 2] && "bcdgklmnprstvxz".contains(b[b.len() - 1])
        };
        let stem = if n > 5 && self.is_known(base) {
            base.to_string()
        } else if self.is_known(&format!("{base}e")) {
            format!("{base}e")
        } else if n > 5 && (doubled || word.ends_with("cking")) && self.is_known(&base[..base.len() - 1]) {
            base[..base.len() - 1].to_string()
        } else {
            return None;
        };
        progressive(&self.lookup(&stem, tag, stress, next)?)
    }

    /// Digits, read as misaki reads them: a lone four-digit number is a year, a number with an
    /// ordinal suffix is an ordinal, anything else a cardinal (with "point" for decimals).
    pub fn number(&self, word: &str) -> Option<String> {
        let digits_end =
            word.find(|c: char| !(c.is_ascii_digit() || c == ',' || c == '.' || c == '-')).unwrap_or(word.len());
        let (number, suffix) = word.split_at(digits_end);
        let plain = number.replace(',', "");
        let (negative, plain) = match plain.strip_prefix('-') {
            Some(rest) => (true, rest.to_string()),
            None => (false, plain),
        };
        let mut words = String::new();
        if negative {
            words.push_str("minus ");
        }
        let (whole, fraction) = match plain.split_once('.') {
            Some((w, f)) => (w.to_string(), Some(f.to_string())),
            None => (plain.clone(), None),
        };
        let value: u64 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
        let ordinal_suffix = matches!(suffix, "st" | "nd" | "rd" | "th");
        if ordinal_suffix {
            words.push_str(&numbers::ordinal(value));
        } else if fraction.is_none() && !negative && whole.len() == 4 && !number.contains(',') {
            words.push_str(&numbers::year(value));
        } else {
            words.push_str(&numbers::cardinal(value));
        }
        if let Some(fraction) = fraction {
            words.push_str(" point");
            for d in fraction.chars().filter_map(|c| c.to_digit(10)) {
                words.push(' ');
                words.push_str(&numbers::cardinal(u64::from(d)));
            }
        }
        let mut parts = Vec::new();
        for w in words.split(|c: char| !c.is_ascii_alphabetic()).filter(|w| !w.is_empty() && *w != "and") {
            let stress = if w == "point" { Some(-2.0) } else { None };
            parts.push(self.lookup(w, "", stress, NextSound::Consonant)?);
        }
        let ps = parts.join(" ");
        match suffix {
            "s" | "'s" => plural(&ps),
            _ => Some(ps),
        }
    }
}

fn symbol_word(word: &str) -> Option<&'static str> {
    Some(match word {
        "%" => "percent",
        "&" => "and",
        "+" => "plus",
        "@" => "at",
        _ => return None,
    })
}

fn is_number(word: &str) -> bool {
    if !word.chars().any(|c| c.is_ascii_digit()) {
        return false;
    }
    let mut core = word;
    for suffix in ["ing", "'d", "ed", "'s", "st", "nd", "rd", "th", "s"] {
        if let Some(stripped) = word.strip_suffix(suffix) {
            core = stripped;
            break;
        }
    }
    core.char_indices().all(|(i, c)| c.is_ascii_digit() || c == ',' || c == '.' || (i == 0 && c == '-'))
}

fn last_char(ps: &str) -> Option<char> {
    ps.chars().last()
}

fn plural(stem: &str) -> Option<String> {
    let last = last_char(stem)?;
    Some(if "ptkfθ".contains(last) {
        format!("{stem}s")
    } else if "szʃʒʧʤ".contains(last) {
        format!("{stem}ᵻz")
    } else {
        format!("{stem}z")
    })
}

fn past(stem: &str) -> Option<String> {
    let chars: Vec<char> = stem.chars().collect();
    let last = *chars.last()?;
    Some(if "pkfθʃsʧ".contains(last) {
        format!("{stem}t")
    } else if last == 'd' {
        format!("{stem}ᵻd")
    } else if last != 't' {
        format!("{stem}d")
    } else if chars.len() < 2 {
        format!("{stem}ɪd")
    } else if FLAPPING.contains(chars[chars.len() - 2]) {
        format!("{}ɾᵻd", &stem[..stem.len() - 1])
    } else {
        format!("{stem}ᵻd")
    })
}

fn progressive(stem: &str) -> Option<String> {
    let chars: Vec<char> = stem.chars().collect();
    let last = *chars.last()?;
    Some(if chars.len() > 1 && last == 't' && FLAPPING.contains(chars[chars.len() - 2]) {
        format!("{}ɾɪŋ", &stem[..stem.len() - 1])
    } else {
        format!("{stem}ɪŋ")
    })
}

/// English number words, in the form misaki's number reading expects (num2words' wording:
/// "one thousand, two hundred and thirty-four"; the caller drops "and" and punctuation).
pub mod numbers {
    const ONES: [&str; 20] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ];
    const TENS: [&str; 10] = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];
    const SCALES: [&str; 7] = ["", "thousand", "million", "billion", "trillion", "quadrillion", "quintillion"];

    fn below_thousand(n: u64) -> String {
        let mut words = Vec::new();
        let mut rest = n;
        if rest >= 100 {
            words.push(format!("{} hundred", ONES[(rest / 100) as usize]));
            rest %= 100;
            if rest > 0 {
                words.push("and".to_string());
            }
        }
        if rest >= 20 {
            let ones = rest % 10;
            let tens = TENS[(rest / 10) as usize];
            words.push(if ones > 0 { format!("{tens}-{}", ONES[ones as usize]) } else { tens.to_string() });
        } else if rest > 0 || words.is_empty() {
            words.push(ONES[rest as usize].to_string());
        }
        words.join(" ")
    }

    pub fn cardinal(n: u64) -> String {
        if n < 1000 {
            return below_thousand(n);
        }
        let mut groups = Vec::new();
        let mut rest = n;
        let mut scale = 0;
        while rest > 0 {
            let group = rest % 1000;
            rest /= 1000;
            if group > 0 {
                let name = SCALES.get(scale).copied().unwrap_or("");
                groups.push(if scale > 0 {
                    format!("{} {name}", below_thousand(group))
                } else {
                    below_thousand(group)
                });
            }
            scale += 1;
        }
        groups.reverse();
        // "one thousand and one", but "one thousand, two hundred".
        if let Some((last, head)) = groups.split_last()
            && !head.is_empty()
            && !last.contains(' ')
        {
            return format!("{} and {last}", head.join(", "));
        }
        groups.join(", ")
    }

    pub fn ordinal(n: u64) -> String {
        let words = cardinal(n);
        let split = words.rfind([' ', '-']).map_or(0, |i| i + 1);
        let (head, last) = words.split_at(split);
        let last = match last {
            "one" => "first".to_string(),
            "two" => "second".to_string(),
            "three" => "third".to_string(),
            "five" => "fifth".to_string(),
            "eight" => "eighth".to_string(),
            "nine" => "ninth".to_string(),
            "twelve" => "twelfth".to_string(),
            w if w.ends_with('y') => format!("{}ieth", &w[..w.len() - 1]),
            w => format!("{w}th"),
        };
        format!("{head}{last}")
    }

    /// "nineteen eighty-four", "two thousand and five", "twenty ten", "nineteen oh-five".
    pub fn year(n: u64) -> String {
        let (high, low) = (n / 100, n % 100);
        if high == 0 || (high % 10 == 0 && low < 10) || high >= 100 {
            return cardinal(n);
        }
        let low = match low {
            0 => "hundred".to_string(),
            1..=9 => format!("oh-{}", cardinal(low)),
            _ => cardinal(low),
        };
        format!("{} {low}", cardinal(high))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Lexicon {
        fn word_untagged(&self, text: &str, next: NextSound) -> Option<String> {
            self.word(text, "", next)
        }
    }

    fn lexicon() -> Lexicon {
        let gold: HashMap<String, Entry> = serde_json::from_str(
            r#"{
                "council": "kˈWnsᵊl", "vote": "vˈOt", "budget": "bˈʌʤət", "pass": "pˈæs",
                "read": {"DEFAULT": "ɹˈid", "VBD": "ɹˈɛd"}, "to": "tu", "am": "æm",
                "three": "θɹˈi", "thousand": "θˈWzᵊnd", "nineteen": "nˌInˈtin", "eighty": "ˈAti",
                "four": "fˈɔɹ", "point": "pˈYnt", "five": "fˈIv", "two": "tˈu", "hundred": "hˈʌndɹəd",
                "B": "bˈi", "C": "sˈi", "U": "jˈu", "S": "ˈɛs", "sit": "sˈɪt"
            }"#,
        )
        .expect("test lexicon parses");
        Lexicon::new(Dictionary::new(gold), Dictionary::default())
    }

    #[test]
    fn dictionary_words_and_their_capitalised_forms() {
        let lex = lexicon();
        assert_eq!(lex.word_untagged("council", NextSound::None).as_deref(), Some("kˈWnsᵊl"));
        assert_eq!(lex.word_untagged("Council", NextSound::None).as_deref(), Some("kˈWnsᵊl"));
        assert_eq!(lex.word_untagged("COUNCIL", NextSound::None).as_deref(), Some("kˈWnsᵊl"));
    }

    #[test]
    fn inflected_forms_follow_the_stem() {
        let lex = lexicon();
        assert_eq!(lex.word_untagged("councils", NextSound::None).as_deref(), Some("kˈWnsᵊlz"));
        assert_eq!(lex.word_untagged("council's", NextSound::None).as_deref(), Some("kˈWnsᵊlz"));
        assert_eq!(lex.word_untagged("passes", NextSound::None).as_deref(), Some("pˈæsᵻz"));
        assert_eq!(lex.word_untagged("voted", NextSound::None).as_deref(), Some("vˈOɾᵻd"));
        assert_eq!(lex.word_untagged("passed", NextSound::None).as_deref(), Some("pˈæst"));
        assert_eq!(lex.word_untagged("voting", NextSound::None).as_deref(), Some("vˈOɾɪŋ"));
        assert_eq!(lex.word_untagged("sitting", NextSound::None).as_deref(), Some("sˈɪɾɪŋ"));
        assert_eq!(lex.word_untagged("budgets", NextSound::None).as_deref(), Some("bˈʌʤəts"));
    }

    #[test]
    fn heteronyms_follow_the_part_of_speech() {
        let lex = lexicon();
        assert_eq!(lex.word_untagged("read", NextSound::Consonant).as_deref(), Some("ɹˈid"));
        assert_eq!(lex.word("read", "VBD", NextSound::Consonant).as_deref(), Some("ɹˈɛd"));
        assert_eq!(lex.word("read", "VB", NextSound::Consonant).as_deref(), Some("ɹˈid"));
        assert_eq!(lex.word("a", "NN", NextSound::None).as_deref(), Some("ˈA"));
    }

    #[test]
    fn function_words_depend_on_the_next_sound() {
        let lex = lexicon();
        assert_eq!(lex.word_untagged("the", NextSound::Vowel).as_deref(), Some("ði"));
        assert_eq!(lex.word_untagged("the", NextSound::Consonant).as_deref(), Some("ðə"));
        assert_eq!(lex.word_untagged("to", NextSound::Consonant).as_deref(), Some("tə"));
        assert_eq!(lex.word_untagged("to", NextSound::None).as_deref(), Some("tu"));
        assert_eq!(lex.word_untagged("a", NextSound::Consonant).as_deref(), Some("ɐ"));
    }

    #[test]
    fn unknown_all_caps_words_are_spelled_out() {
        let lex = lexicon();
        assert_eq!(lex.word_untagged("BBC", NextSound::None).as_deref(), Some("bˌibˌisˈi"));
        assert_eq!(lex.word_untagged("U.S", NextSound::None).as_deref(), Some("jˌuˈɛs"));
        assert_eq!(lex.word_untagged("Zorblat", NextSound::None), None);
    }

    #[test]
    fn numbers_are_read_as_words() {
        let lex = lexicon();
        assert_eq!(lex.word_untagged("3000", NextSound::None).as_deref(), Some("θɹˈi θˈWzᵊnd"));
        assert_eq!(lex.word_untagged("1984", NextSound::None).as_deref(), Some("nˌInˈtin ˈAti fˈɔɹ"));
        assert_eq!(lex.word_untagged("4.5", NextSound::None).as_deref(), Some("fˈɔɹ pYnt fˈIv"));
        assert_eq!(numbers::cardinal(1234), "one thousand, two hundred and thirty-four");
        assert_eq!(numbers::ordinal(23), "twenty-third");
        assert_eq!(numbers::year(2005), "two thousand and five");
        assert_eq!(numbers::year(1905), "nineteen oh-five");
    }

    #[test]
    fn stress_rules() {
        assert_eq!(apply_stress("kˈWnsᵊl", Some(-1.0)), "kˌWnsᵊl");
        assert_eq!(apply_stress("kˈWnsᵊl", Some(-2.0)), "kWnsᵊl");
        assert_eq!(apply_stress("ðə", Some(2.0)), "ðˈə");
        assert_eq!(apply_stress("bʌʤət", Some(0.5)), "bˌʌʤət");
        assert_eq!(apply_stress("kˌWnsᵊl", Some(2.0)), "kˈWnsᵊl");
    }
}
