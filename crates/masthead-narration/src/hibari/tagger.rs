//! Part-of-speech tags for the lexicon's heteronyms ("was read" against "will read", "a record"
//! against "to record") and for the function words whose reading depends on their role.
//!
//! The voice package ships an averaged-perceptron tagger as data (Penn Treebank tags, trained on
//! spaCy's tags so the answers match the voice's reference pipeline): a tag dictionary for words
//! with one dominant tag, and feature weights for everything else. This is the feature set it
//! was trained with; a different one would make the weights meaningless.

use std::collections::{HashMap, HashSet};

use serde::Deserialize;

#[derive(Deserialize)]
pub struct TaggerModel {
    tags: Vec<String>,
    tagdict: HashMap<String, String>,
    #[serde(default)]
    vocab: Option<HashSet<String>>,
    weights: HashMap<String, HashMap<String, f64>>,
}

pub struct Tagger {
    model: TaggerModel,
}

const START: [&str; 2] = ["-START2-", "-START-"];
const END: [&str; 2] = ["-END-", "-END2-"];

fn is_alpha(word: &str) -> bool {
    !word.is_empty() && word.chars().all(char::is_alphabetic)
}

fn is_digits(word: &str) -> bool {
    !word.is_empty() && word.chars().all(|c| c.is_ascii_digit())
}

/// Python's `str.islower`/`isupper`: at least one cased letter, and all of them in that case.
fn all_cased(word: &str, upper: bool) -> bool {
    let mut cased = false;
    for c in word.chars() {
        if c.is_uppercase() || c.is_lowercase() {
            cased = true;
            if c.is_uppercase() != upper {
                return false;
            }
        }
    }
    cased
}

fn normalise(word: &str) -> String {
    if word.contains('-') && !word.starts_with('-') {
        "!HYPHEN".to_string()
    } else if is_digits(word) && word.chars().count() == 4 {
        "!YEAR".to_string()
    } else if word.starts_with(|c: char| c.is_ascii_digit()) {
        "!DIGITS".to_string()
    } else {
        word.to_lowercase()
    }
}

fn shape(word: &str) -> String {
    if is_alpha(word) {
        let rest: String = word.chars().skip(1).collect();
        return if all_cased(word, false) {
            "x"
        } else if all_cased(word, true) {
            if word.chars().count() > 1 { "XX" } else { "X1" }
        } else if word.starts_with(char::is_uppercase) && all_cased(&rest, false) {
            "Xx"
        } else {
            "xX"
        }
        .to_string();
    }
    if is_digits(word) {
        return "d".to_string();
    }
    word.chars()
        .take(4)
        .map(|c| {
            if c.is_ascii_digit() {
                'd'
            } else if c.is_alphabetic() {
                'x'
            } else {
                c
            }
        })
        .collect()
}

fn last3(word: &str) -> String {
    let chars: Vec<char> = word.chars().collect();
    chars[chars.len().saturating_sub(3)..].iter().collect()
}

impl Tagger {
    pub fn new(model: TaggerModel) -> Self {
        Self { model }
    }

    /// One Penn Treebank tag per word (words as spaCy splits them: punctuation, "'s" and
    /// "n't" separate).
    pub fn tag(&self, words: &[String]) -> Vec<String> {
        let mut context: Vec<String> = START.iter().map(|s| s.to_string()).collect();
        for word in words {
            let normal = normalise(word);
            let known = self.model.vocab.as_ref().is_none_or(|vocab| vocab.contains(&normal));
            context.push(if known { normal } else { format!("<{}>", shape(word)) });
        }
        context.extend(END.iter().map(|s| s.to_string()));

        let mut tags: Vec<String> = Vec::with_capacity(words.len());
        let (mut prev, mut prev2) = (START[1].to_string(), START[0].to_string());
        for (i, word) in words.iter().enumerate() {
            let tag = match self.model.tagdict.get(word) {
                Some(tag) => tag.clone(),
                None => self.predict(&features(i, word, &context, &prev, &prev2)),
            };
            prev2 = std::mem::replace(&mut prev, tag.clone());
            tags.push(tag);
        }
        tags
    }

    fn predict(&self, features: &[String]) -> String {
        let mut scores: HashMap<&str, f64> = HashMap::new();
        for feature in features {
            if let Some(weights) = self.model.weights.get(feature) {
                for (tag, weight) in weights {
                    *scores.entry(tag.as_str()).or_default() += weight;
                }
            }
        }
        if scores.is_empty() {
            return "NN".to_string();
        }
        // Highest score; ties go to the alphabetically last tag, as in training.
        self.model
            .tags
            .iter()
            .max_by(|a, b| {
                let sa = scores.get(a.as_str()).copied().unwrap_or(0.0);
                let sb = scores.get(b.as_str()).copied().unwrap_or(0.0);
                sa.total_cmp(&sb).then_with(|| a.cmp(b))
            })
            .cloned()
            .unwrap_or_else(|| "NN".to_string())
    }
}

fn features(i: usize, word: &str, context: &[String], prev: &str, prev2: &str) -> Vec<String> {
    let j = i + 2;
    let first: String = word.chars().take(1).collect();
    vec![
        "b".to_string(),
        format!("s3={}", last3(word)),
        format!("p1={first}"),
        format!("w={}", context[j]),
        format!("sh={}", shape(word)),
        if i == 0 { "i0".to_string() } else { "i+".to_string() },
        format!("t-1={prev}"),
        format!("t-2={prev2}"),
        format!("t-12={prev},{prev2}"),
        format!("w-1={}", context[j - 1]),
        format!("s3-1={}", last3(&context[j - 1])),
        format!("w-2={}", context[j - 2]),
        format!("w+1={}", context[j + 1]),
        format!("s3+1={}", last3(&context[j + 1])),
        format!("w+2={}", context[j + 2]),
    ]
}

/// The coarse class the lexicon falls back to when it has no reading for the exact tag.
pub fn parent_tag(tag: &str) -> &str {
    if tag.starts_with("VB") {
        "VERB"
    } else if tag.starts_with("NN") {
        "NOUN"
    } else if tag.starts_with("ADV") || tag.starts_with("RB") {
        "ADV"
    } else if tag.starts_with("ADJ") || tag.starts_with("JJ") {
        "ADJ"
    } else {
        tag
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_shapes_and_normal_forms() {
        assert_eq!(shape("council"), "x");
        assert_eq!(shape("BBC"), "XX");
        assert_eq!(shape("A"), "X1");
        assert_eq!(shape("Council"), "Xx");
        assert_eq!(shape("iPhone"), "xX");
        assert_eq!(shape("2500"), "d");
        assert_eq!(shape("2,500"), "d,dd");
        assert_eq!(normalise("well-known"), "!HYPHEN");
        assert_eq!(normalise("1984"), "!YEAR");
        assert_eq!(normalise("2,500"), "!DIGITS");
        assert_eq!(normalise("Read"), "read");
    }

    #[test]
    fn the_dictionary_answers_first_and_the_weights_decide_the_rest() {
        let model: TaggerModel = serde_json::from_str(
            r#"{"tags": ["NN", "VBD", "VBN"], "tagdict": {"was": "VBD"},
                "weights": {"t-1=VBD": {"VBN": 2.0, "VBD": 1.0}, "b": {"NN": 0.5}}}"#,
        )
        .expect("model parses");
        let tagger = Tagger::new(model);
        let words = ["was".to_string(), "read".to_string()];
        assert_eq!(tagger.tag(&words), vec!["VBD", "VBN"]);
    }
}
