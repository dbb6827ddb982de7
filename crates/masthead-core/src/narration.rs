//! The text side of narration: what a speech engine is given to say.
//!
//! A narration job takes an article's paragraphs (extracted from its HTML by
//! `masthead_render::narration`), splits each into [`sentences`], makes each sentence
//! [`speakable`] with the newsroom's [`Lexicon`], and cuts any that are still too long for the
//! engine into [`chunks`]. [`spoken_sentences`] does all three.
//!
//! Sentences are split before the text is made speakable, because the rules read periods
//! ("U.S.", "p.m.", "Dr.") that also mark where sentences end.

mod sentences;

pub use sentences::{chunks, sentences};
