//! The text side of narration: what a speech engine is given to say.
//!
//! A narration job takes an article's paragraphs (extracted from its HTML by
//! `masthead_render::narration`), splits each into [`sentences`], makes each sentence
//! [`speakable`] with the newsroom's [`Lexicon`], and cuts any that are still too long for the
//! engine into [`chunks`]. [`spoken_sentences`] does all three.
//!
//! Sentences are split before the text is made speakable, because the rules read periods
//! ("U.S.", "p.m.", "Dr.") that also mark where sentences end.

mod lexicon;
mod numbers;
mod sentences;
mod speakable;

pub use lexicon::{Lexicon, LexiconEntry, LexiconError};
pub use sentences::{chunks, sentences};
pub use speakable::speakable;

/// One paragraph as the pieces an engine speaks in turn: split into sentences, made speakable,
/// and cut at clauses where a sentence is longer than `max_chars` characters.
pub fn spoken_sentences(paragraph: &str, lexicon: &Lexicon, max_chars: usize) -> Vec<String> {
    sentences(paragraph).iter().flat_map(|sentence| chunks(&speakable(sentence, lexicon), max_chars)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_paragraph_becomes_speakable_sentences_in_order() {
        let lexicon = Lexicon::parse([("Zelenskyy", "zelen-skee")]).expect("a valid lexicon");
        let paragraph =
            "Zelenskyy met Gen. Syrskyi at 3:30 p.m. on Dec. 5. The U.S. pledged $1.5bn, i.e. more than in 2024.";
        assert_eq!(
            spoken_sentences(paragraph, &lexicon, 200),
            [
                "zelen-skee met General Syrskyi at three thirty p m on December fifth.",
                "The U S pledged one point five billion dollars, that is more than in twenty twenty-four.",
            ]
        );
    }

    #[test]
    fn long_sentences_are_cut_for_the_engine() {
        let paragraph = "Air defences shot down 42 drones over Kyiv, Kharkiv and Odesa, officials said on Sunday.";
        assert_eq!(
            spoken_sentences(paragraph, &Lexicon::default(), 60),
            ["Air defences shot down forty-two drones over Kyiv,", "Kharkiv and Odesa, officials said on Sunday."]
        );
    }
}
