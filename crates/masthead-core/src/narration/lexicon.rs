//! The newsroom's pronunciation lexicon: words and phrases staff want said their way.

use std::ops::Range;

use serde::{Deserialize, Serialize};

/// One lexicon entry: what is written, and how it should be said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LexiconEntry {
    pub word: String,
    pub spoken: String,
}

/// Why a lexicon was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LexiconError {
    #[error("lexicon entry {index} has no word to match")]
    EmptyWord { index: usize },
    #[error("the lexicon entry for \"{word}\" has no spoken form")]
    EmptySpoken { word: String },
    #[error("\"{word}\" is in the lexicon more than once")]
    Duplicate { word: String },
}

/// A newsroom's pronunciations, matched case-insensitively as whole words or phrases, longest
/// first, before any other rule, so staff can override how numbers and abbreviations are read.
///
/// Stored as a JSON array of `{"word": …, "spoken": …}`; reading it back validates it again.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<LexiconEntry>", into = "Vec<LexiconEntry>")]
pub struct Lexicon {
    entries: Vec<LexiconEntry>,
    /// Lowercased patterns with whitespace collapsed, longest first, pointing into `entries`.
    patterns: Vec<(Vec<char>, usize)>,
}

impl Lexicon {
    /// Builds a lexicon from `(word, spoken)` pairs. Words and spoken forms are trimmed and
    /// inner whitespace collapsed; an empty one, or a word given twice (ignoring case), is an error.
    pub fn parse<I, W, S>(entries: I) -> Result<Self, LexiconError>
    where
        I: IntoIterator<Item = (W, S)>,
        W: Into<String>,
        S: Into<String>,
    {
        let mut lexicon = Lexicon::default();
        for (index, (word, spoken)) in entries.into_iter().enumerate() {
            let word = collapse_whitespace(&word.into());
            let spoken = collapse_whitespace(&spoken.into());
            if word.is_empty() {
                return Err(LexiconError::EmptyWord { index });
            }
            if spoken.is_empty() {
                return Err(LexiconError::EmptySpoken { word });
            }
            let pattern: Vec<char> = word.chars().flat_map(char::to_lowercase).collect();
            if lexicon.patterns.iter().any(|(existing, _)| *existing == pattern) {
                return Err(LexiconError::Duplicate { word });
            }
            lexicon.patterns.push((pattern, lexicon.entries.len()));
            lexicon.entries.push(LexiconEntry { word, spoken });
        }
        lexicon.patterns.sort_by_key(|(pattern, _)| std::cmp::Reverse(pattern.len()));
        Ok(lexicon)
    }

    pub fn entries(&self) -> &[LexiconEntry] {
        &self.entries
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Replaces every match with its spoken form, returning the new text and where the
    /// replacements sit in it, so later rules leave them alone.
    pub(crate) fn apply(&self, text: &str) -> (String, Vec<Range<usize>>) {
        if self.entries.is_empty() {
            return (text.to_owned(), Vec::new());
        }
        let mut out = String::with_capacity(text.len());
        let mut replaced = Vec::new();
        let mut at = 0;
        let mut previous: Option<char> = None;
        while let Some(c) = text[at..].chars().next() {
            let at_word_start = !previous.is_some_and(char::is_alphanumeric);
            if let Some((end, entry)) = self.match_at(text, at, at_word_start) {
                let start = out.len();
                out.push_str(&self.entries[entry].spoken);
                replaced.push(start..out.len());
                previous = text[..end].chars().next_back();
                at = end;
                continue;
            }
            out.push(c);
            previous = Some(c);
            at += c.len_utf8();
        }
        (out, replaced)
    }

    /// The longest entry matching at byte `at`, as (end of the match, entry index).
    fn match_at(&self, text: &str, at: usize, at_word_start: bool) -> Option<(usize, usize)> {
        self.patterns.iter().find_map(|(pattern, entry)| {
            let first = *pattern.first()?;
            if first.is_alphanumeric() && !at_word_start {
                return None;
            }
            let end = match_pattern(text, at, pattern)?;
            let last = *pattern.last()?;
            let next = text[end..].chars().next();
            if last.is_alphanumeric() && next.is_some_and(char::is_alphanumeric) {
                return None;
            }
            Some((end, *entry))
        })
    }
}

impl TryFrom<Vec<LexiconEntry>> for Lexicon {
    type Error = LexiconError;

    fn try_from(entries: Vec<LexiconEntry>) -> Result<Self, Self::Error> {
        Lexicon::parse(entries.into_iter().map(|e| (e.word, e.spoken)))
    }
}

impl From<Lexicon> for Vec<LexiconEntry> {
    fn from(lexicon: Lexicon) -> Self {
        lexicon.entries
    }
}

/// Matches a lowercased pattern at `at`, where a space in the pattern stands for any run of
/// whitespace in the text. Returns the byte just past the match.
fn match_pattern(text: &str, at: usize, pattern: &[char]) -> Option<usize> {
    let mut chars = text[at..].char_indices().peekable();
    let mut wanted = pattern.iter().peekable();
    // Lowercasing can turn one character into several ("İ"), so compare lowercase streams.
    let mut pending: Vec<char> = Vec::new();
    while let Some(&w) = wanted.peek() {
        if *w == ' ' {
            let mut spaces = 0;
            while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {
                spaces += 1;
            }
            if spaces == 0 || !pending.is_empty() {
                return None;
            }
            wanted.next();
            continue;
        }
        if pending.is_empty() {
            let (_, c) = chars.next()?;
            if c.is_whitespace() {
                return None;
            }
            pending = c.to_lowercase().collect();
            pending.reverse();
        }
        if pending.pop() != Some(*w) {
            return None;
        }
        wanted.next();
    }
    if !pending.is_empty() {
        return None;
    }
    Some(chars.peek().map_or(text.len(), |(offset, _)| at + offset))
}

fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lexicon(entries: &[(&str, &str)]) -> Lexicon {
        Lexicon::parse(entries.iter().copied()).expect("a valid lexicon")
    }

    fn applied(lexicon: &Lexicon, text: &str) -> String {
        lexicon.apply(text).0
    }

    #[test]
    fn empty_words_and_spoken_forms_are_refused() {
        assert_eq!(Lexicon::parse([("  ", "x")]), Err(LexiconError::EmptyWord { index: 0 }));
        assert_eq!(
            Lexicon::parse([("NATO", "nay-toe"), ("Kyiv", " ")]),
            Err(LexiconError::EmptySpoken { word: "Kyiv".into() })
        );
        assert_eq!(
            Lexicon::parse([("NATO", "nay-toe"), ("nato", "nah-toe")]),
            Err(LexiconError::Duplicate { word: "nato".into() })
        );
    }

    #[test]
    fn matches_whole_words_ignoring_case() {
        let lexicon = lexicon(&[("NATO", "nay-toe"), ("Zelenskyy", "zelen-skee")]);
        assert_eq!(applied(&lexicon, "Nato and NATO's allies"), "nay-toe and nay-toe's allies");
        assert_eq!(applied(&lexicon, "ZELENSKYY met Zelenskyyite fans"), "zelen-skee met Zelenskyyite fans");
        assert_eq!(applied(&lexicon, "SENATOR"), "SENATOR");
    }

    #[test]
    fn matches_cyrillic_words_as_whole_words() {
        let lexicon = lexicon(&[("Київ", "keev")]);
        assert_eq!(applied(&lexicon, "Місто КИЇВ, Київщина і київ."), "Місто keev, Київщина і keev.");
    }

    #[test]
    fn the_longest_phrase_wins_and_phrases_span_any_whitespace() {
        let lexicon = lexicon(&[("Kyiv", "keev"), ("Kyiv Independent", "the keev independent")]);
        assert_eq!(
            applied(&lexicon, "The Kyiv\n  Independent reported from Kyiv."),
            "The the keev independent reported from keev."
        );
    }

    #[test]
    fn replacements_are_marked_so_later_rules_skip_them() {
        let lexicon = lexicon(&[("F-16", "eff sixteen")]);
        let (text, replaced) = lexicon.apply("Two F-16 jets");
        assert_eq!(text, "Two eff sixteen jets");
        assert_eq!(replaced.iter().map(|r| &text[r.clone()]).collect::<Vec<_>>(), ["eff sixteen"]);
    }

    #[test]
    fn round_trips_through_json_and_validates_when_read() {
        let lexicon = lexicon(&[("NATO", "nay-toe")]);
        let json = serde_json::to_string(&lexicon).expect("serialises");
        assert_eq!(json, r#"[{"word":"NATO","spoken":"nay-toe"}]"#);
        assert_eq!(serde_json::from_str::<Lexicon>(&json).expect("deserialises"), lexicon);
        assert!(serde_json::from_str::<Lexicon>(r#"[{"word":"","spoken":"x"}]"#).is_err());
    }
}
