//! Plain-text rules shared by excerpts, reading time, feeds and (later) narration and search.

/// Counts words the way Ghost's reading-time helper does: runs of non-whitespace.
pub fn word_count(text: &str) -> usize {
    text.split_whitespace().count()
}

/// Cuts `text` to at most `max_chars` characters without splitting a word, adding an ellipsis
/// when something was cut.
pub fn truncate_words(text: &str, max_chars: usize) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= max_chars {
        return text;
    }
    let mut out = String::new();
    for word in text.split(' ') {
        let needed = if out.is_empty() { word.chars().count() } else { out.chars().count() + 1 + word.chars().count() };
        if needed > max_chars.saturating_sub(1) {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.is_empty() {
        out = text.chars().take(max_chars.saturating_sub(1)).collect();
    }
    out.truncate(out.trim_end_matches(|c: char| c.is_ascii_punctuation()).len());
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn short_text_is_kept_whole_and_long_text_is_cut_at_a_word() {
        assert_eq!(truncate_words("Two  words", 20), "Two words");
        assert_eq!(truncate_words("The river rose overnight, officials said.", 24), "The river rose…");
    }

    proptest! {
        #[test]
        fn truncation_never_exceeds_the_limit(text in "\\PC{0,300}", max in 2usize..200) {
            prop_assert!(truncate_words(&text, max).chars().count() <= max);
        }
    }
}
