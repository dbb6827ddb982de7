//! Splitting paragraphs into sentences, and long sentences into pieces an engine can take.

/// Abbreviations that stand before a name, so a period after them does not end a sentence.
const TITLES: &[&str] = &[
    "Mr", "Mrs", "Ms", "Dr", "Prof", "Gen", "Lt", "Col", "Maj", "Sgt", "Capt", "Cpl", "Pvt", "Adm", "Brig", "Cmdr",
    "Sen", "Rep", "Gov", "Pres", "Rev", "Hon", "St", "Mt", "Ft", "vs",
];

/// Abbreviations that stand before a number: "No. 10", "Dec. 5", "p. 12".
const BEFORE_NUMBERS: &[&str] = &[
    "No", "Nos", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec", "p", "pp", "Vol",
    "Art",
];

fn is_terminator(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | '…')
}

fn is_closer(c: char) -> bool {
    matches!(c, '"' | '\'' | '”' | '’' | '»' | ')' | ']' | '}')
}

/// Splits a paragraph into sentences. A sentence ends at `.`, `!`, `?` or `…` (and any closing
/// quotes or brackets after it) followed by whitespace and more text, unless that text starts
/// in lowercase, or the period closes a title ("Dr.", "Gen.") or an initial ("J. K. Rowling").
pub fn sentences(paragraph: &str) -> Vec<String> {
    let chars: Vec<(usize, char)> = paragraph.char_indices().collect();
    let byte_at = |i: usize| chars.get(i).map_or(paragraph.len(), |&(b, _)| b);
    let mut found = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < chars.len() {
        if !is_terminator(chars[i].1) {
            i += 1;
            continue;
        }
        let terminator_start = i;
        let mut j = i;
        while j < chars.len() && is_terminator(chars[j].1) {
            j += 1;
        }
        while j < chars.len() && is_closer(chars[j].1) {
            j += 1;
        }
        let mut k = j;
        while k < chars.len() && chars[k].1.is_whitespace() {
            k += 1;
        }
        if k > j && k < chars.len() && ends_sentence(paragraph, &chars, terminator_start, j, chars[k].1) {
            found.push(paragraph[start..byte_at(j)].trim().to_owned());
            start = byte_at(k);
        }
        i = j;
    }
    found.push(paragraph[start..].trim().to_owned());
    found.retain(|s| !s.is_empty());
    found
}

fn ends_sentence(paragraph: &str, chars: &[(usize, char)], terminator: usize, after: usize, next: char) -> bool {
    if next.is_lowercase() {
        return false;
    }
    let single_period = chars[terminator].1 == '.' && chars.get(terminator + 1).is_none_or(|&(_, c)| c != '.');
    if !single_period || after != terminator + 1 {
        return true;
    }
    let word_start = chars[..terminator].iter().rposition(|&(_, c)| !c.is_alphabetic()).map_or(0, |p| p + 1);
    let word = &paragraph[chars.get(word_start).map_or(0, |&(b, _)| b)..chars[terminator].0];
    let mut letters = word.chars();
    let is_initial = matches!((letters.next(), letters.next()), (Some(c), None) if c.is_uppercase());
    let before_number = BEFORE_NUMBERS.contains(&word) && next.is_ascii_digit();
    !(is_initial || before_number || TITLES.contains(&word))
}

/// Splits a sentence longer than `max_chars` characters at clause punctuation (`,` `;` `:` `—`
/// followed by whitespace), then packs the clauses back together greedily into pieces of at most
/// `max_chars`. A clause that is still too long is split between words; a single word longer
/// than `max_chars` is kept whole, since half a word cannot be pronounced.
pub fn chunks(sentence: &str, max_chars: usize) -> Vec<String> {
    let max_chars = max_chars.max(1);
    let sentence = sentence.trim();
    if sentence.is_empty() {
        return Vec::new();
    }
    if sentence.chars().count() <= max_chars {
        return vec![sentence.to_owned()];
    }
    let mut pieces: Vec<&str> = Vec::new();
    for clause in clauses(sentence) {
        if clause.chars().count() <= max_chars {
            pieces.push(clause);
        } else {
            pieces.extend(clause.split_whitespace());
        }
    }
    let mut packed: Vec<String> = Vec::new();
    let mut current = String::new();
    for piece in pieces {
        if !current.is_empty() && current.chars().count() + 1 + piece.chars().count() > max_chars {
            packed.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(piece);
    }
    if !current.is_empty() {
        packed.push(current);
    }
    packed
}

fn clauses(sentence: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut start = 0;
    let mut chars = sentence.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let next_is_space = chars.peek().is_some_and(|&(_, n)| n.is_whitespace());
        if matches!(c, ',' | ';' | ':' | '—') && next_is_space {
            let end = at + c.len_utf8();
            found.push(sentence[start..end].trim());
            start = end;
        }
    }
    found.push(sentence[start..].trim());
    found.retain(|c| !c.is_empty());
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn sentences_end_at_terminal_punctuation_before_a_new_sentence() {
        assert_eq!(
            sentences("Sirens sounded. Were they late? No! Then… Silence?! Nothing."),
            ["Sirens sounded.", "Were they late?", "No!", "Then…", "Silence?!", "Nothing."]
        );
    }

    #[test]
    fn closing_quotes_and_brackets_stay_with_their_sentence() {
        assert_eq!(
            sentences("“We will rebuild.” The mayor left. (He was tired.) Then “Go!” she said."),
            ["“We will rebuild.”", "The mayor left.", "(He was tired.)", "Then “Go!” she said."]
        );
    }

    #[test]
    fn a_lowercase_continuation_does_not_start_a_sentence() {
        assert_eq!(
            sentences("Prices rose 3.5 p.c. in a year... and fell."),
            ["Prices rose 3.5 p.c. in a year... and fell."]
        );
    }

    #[test]
    fn titles_and_initials_do_not_end_sentences() {
        assert_eq!(
            sentences(
                "Dr. Smith met Lt. Gen. Ivan Petrenko. J. K. Rowling was not there. No. 10 spoke on Dec. 5. Then it ended."
            ),
            [
                "Dr. Smith met Lt. Gen. Ivan Petrenko.",
                "J. K. Rowling was not there.",
                "No. 10 spoke on Dec. 5.",
                "Then it ended."
            ]
        );
    }

    #[test]
    fn a_period_without_following_whitespace_is_not_an_end() {
        assert_eq!(sentences("See masthead.example.com. Then go."), ["See masthead.example.com.", "Then go."]);
    }

    #[test]
    fn empty_sentences_are_dropped() {
        assert!(sentences("   ").is_empty());
        assert_eq!(sentences("Done. \n "), ["Done."]);
    }

    #[test]
    fn short_sentences_are_one_chunk() {
        assert_eq!(chunks("  Short and sweet.  ", 40), ["Short and sweet."]);
        assert!(chunks("   ", 40).is_empty());
    }

    #[test]
    fn long_sentences_split_at_clauses_and_pack_greedily() {
        let sentence = "The convoy left at dawn, crossed the river; reached the town: the mayor — tired — waved.";
        assert_eq!(
            chunks(sentence, 40),
            ["The convoy left at dawn,", "crossed the river; reached the town:", "the mayor — tired — waved."]
        );
    }

    #[test]
    fn a_clause_too_long_alone_is_split_between_words() {
        assert_eq!(chunks("one two three four five six seven", 10), ["one two", "three four", "five six", "seven"]);
        assert_eq!(chunks("a incomprehensibilities b", 5), ["a", "incomprehensibilities", "b"]);
    }

    fn non_whitespace(text: &str) -> String {
        text.chars().filter(|c| !c.is_whitespace()).collect()
    }

    proptest! {
        #[test]
        fn sentences_lose_no_characters(paragraph in "\\PC{0,300}") {
            prop_assert_eq!(non_whitespace(&sentences(&paragraph).concat()), non_whitespace(&paragraph));
        }

        #[test]
        fn sentences_of_prose_lose_no_characters(paragraph in "([A-Za-z]{1,8}|[.!?…,;:—\"”’)(] ?| {1,3}|\\n){0,80}") {
            prop_assert_eq!(non_whitespace(&sentences(&paragraph).concat()), non_whitespace(&paragraph));
        }

        #[test]
        fn chunks_lose_nothing_and_respect_the_limit(sentence in "([a-z]{1,12}|[,;:—] | {1,2}){0,60}", max in 1usize..60) {
            let pieces = chunks(&sentence, max);
            prop_assert_eq!(non_whitespace(&pieces.concat()), non_whitespace(&sentence));
            for piece in &pieces {
                prop_assert!(piece.chars().count() <= max || !piece.contains(' '), "{piece:?} is over {max}");
            }
        }
    }
}
