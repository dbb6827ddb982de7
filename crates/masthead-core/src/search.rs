//! What the search index knows about a story, and what a search asks for.
//!
//! The index is derived data: every field here is read from the database and can be read
//! again, so the index can be deleted and rebuilt at any time.

use crate::{ObjectId, PostStatus, PostType, Visibility};

/// One story or page as the search index holds it.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchDocument {
    pub id: ObjectId,
    pub post_type: PostType,
    pub status: PostStatus,
    pub visibility: Visibility,
    pub title: String,
    pub custom_excerpt: Option<String>,
    /// The whole text, searched by staff.
    pub plaintext: String,
    /// What every reader may read: the whole text of a public story, the public opening of a
    /// gated one. Readers' searches match this, never the rest.
    pub public_text: String,
    /// Unix seconds; drafts have none.
    pub published_at: Option<i64>,
    pub updated_at: i64,
    /// Public tags, as (slug, name).
    pub tags: Vec<(String, String)>,
    /// Internal tags (`#...`): filterable by staff, never matched by words.
    pub internal_tags: Vec<String>,
    /// As (slug, name).
    pub authors: Vec<(String, String)>,
}

/// Whose search it is: readers see live content only and match only what they may read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Searcher {
    Reader,
    Staff,
}

/// How results are ordered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SearchOrder {
    /// Relevance, with a boost for recent stories.
    #[default]
    Relevance,
    Newest,
}

/// The longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 200;

/// A search as asked for: the words, and the filters that narrow it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SearchRequest {
    pub text: String,
    /// A tag's slug.
    pub tag: Option<String>,
    /// An author's slug.
    pub author: Option<String>,
    /// Unix seconds, inclusive.
    pub from: Option<i64>,
    /// Unix seconds, exclusive.
    pub until: Option<i64>,
    pub order: SearchOrder,
    /// Only stories in this status (staff searches; readers' are always of published ones).
    pub status: Option<PostStatus>,
    /// Search the words as written: no corrections of misspelt ones.
    pub exact: bool,
    /// Zero-based offset of the first result.
    pub offset: usize,
    pub limit: usize,
}

/// A query that cannot be searched, with the message readers are shown.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("Type a word or two to search for.")]
    Empty,
    #[error("That search is too long: at most {MAX_QUERY_CHARS} characters.")]
    TooLong,
}

impl SearchRequest {
    /// A request for `text` with no filters, first page of `limit`.
    pub fn words(text: &str, limit: usize) -> Self {
        Self { text: text.to_owned(), limit, ..Self::default() }
    }

    /// The query text, trimmed, or why it cannot be searched.
    pub fn checked_text(&self) -> Result<&str, QueryError> {
        let text = self.text.trim();
        if text.chars().count() > MAX_QUERY_CHARS {
            return Err(QueryError::TooLong);
        }
        if !text.chars().any(char::is_alphanumeric) {
            return Err(QueryError::Empty);
        }
        Ok(text)
    }
}

/// One part of a query: a word, or words in quotes that must appear together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QueryPart {
    Word(String),
    Phrase(String),
}

/// Splits a query into words and quoted phrases. An unclosed quote runs to the end.
pub fn query_parts(text: &str) -> Vec<QueryPart> {
    let mut parts = Vec::new();
    for (i, piece) in text.split('"').enumerate() {
        if i % 2 == 1 {
            if piece.chars().any(char::is_alphanumeric) {
                parts.push(QueryPart::Phrase(piece.trim().to_owned()));
            }
        } else {
            parts.extend(
                piece
                    .split(|c: char| c.is_whitespace() || c == '+' || c == ',')
                    .filter(|w| w.chars().any(char::is_alphanumeric))
                    .map(|w| QueryPart::Word(w.to_owned())),
            );
        }
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_make_phrases_and_the_rest_are_words() {
        assert_eq!(
            query_parts(r#"Kharkiv "power station" strike"#),
            vec![
                QueryPart::Word("Kharkiv".into()),
                QueryPart::Phrase("power station".into()),
                QueryPart::Word("strike".into())
            ]
        );
        assert_eq!(query_parts(r#""unclosed quote"#), vec![QueryPart::Phrase("unclosed quote".into())]);
        assert_eq!(query_parts(r#"" " -- ,"#), Vec::<QueryPart>::new());
    }

    #[test]
    fn empty_and_overlong_queries_are_refused() {
        assert_eq!(SearchRequest::words("  ?! ", 10).checked_text(), Err(QueryError::Empty));
        assert_eq!(SearchRequest::words(&"a".repeat(MAX_QUERY_CHARS + 1), 10).checked_text(), Err(QueryError::TooLong));
        assert_eq!(SearchRequest::words(" Київ ", 10).checked_text(), Ok("Київ"));
    }
}
