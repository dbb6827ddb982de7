//! From a reader's words to a tantivy query: every word must match (in the title, excerpt, tag
//! or author names, or the text the searcher may read), quoted words must match together, and
//! the filters narrow what matches without changing the ranking.

use std::collections::HashMap;
use std::ops::Bound;

use masthead_core::search::{QueryPart, SearchRequest, Searcher, query_parts};
use tantivy::query::{BooleanQuery, BoostQuery, ConstScoreQuery, Occur, PhraseQuery, Query, RangeQuery, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{Index, Term};

use crate::{Fields, SearchError};

pub(crate) struct Built {
    pub query: Box<dyn Query>,
    pub corrected: Option<String>,
}

/// Misspellings are corrected for words of this many letters or more.
const CORRECTED_FROM: usize = 5;

pub(crate) fn build(
    index: &Index,
    searcher: &tantivy::Searcher,
    fields: &Fields,
    who: Searcher,
    request: &SearchRequest,
    text: &str,
) -> Result<Built, SearchError> {
    let mut stemmed = index.tokenizer_for_field(fields.body)?;
    let mut plain = index.tokenizer_for_field(fields.words)?;
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let mut shown = Vec::new();
    let mut corrected_any = false;
    for part in query_parts(text) {
        match part {
            QueryPart::Word(word) => {
                let spelled = if request.exact { None } else { correction(searcher, fields.words, &mut plain, &word) };
                let word = match spelled {
                    Some(better) => {
                        corrected_any = true;
                        better
                    }
                    None => word,
                };
                let tokens = tokens(&mut stemmed, &word);
                if let Some(query) = words_query(fields, who, &tokens) {
                    clauses.push((Occur::Must, query));
                }
                shown.push(word);
            }
            QueryPart::Phrase(phrase) => {
                let tokens = tokens(&mut stemmed, &phrase);
                if let Some(query) = words_query(fields, who, &tokens) {
                    clauses.push((Occur::Must, query));
                }
                shown.push(format!("\"{phrase}\""));
            }
        }
    }
    if clauses.is_empty() {
        return Err(masthead_core::search::QueryError::Empty.into());
    }
    for filter in filters(fields, who, request) {
        clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(filter, 0.0))));
    }
    Ok(Built { query: Box::new(BooleanQuery::new(clauses)), corrected: corrected_any.then(|| shown.join(" ")) })
}

/// The analysed tokens of `text`, with their positions.
fn tokens(analyzer: &mut tantivy::tokenizer::TextAnalyzer, text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while let Some(token) = stream.next() {
        out.push((token.position, token.text.clone()));
    }
    out
}

/// One word (one token) or several that must stand together, in any field the searcher may
/// match: best in the title, then excerpt, tags and authors, then the text.
fn words_query(fields: &Fields, who: Searcher, tokens: &[(usize, String)]) -> Option<Box<dyn Query>> {
    let in_field = |field: Field| -> Option<Box<dyn Query>> {
        match tokens {
            [] => None,
            [(_, token)] => Some(Box::new(TermQuery::new(
                Term::from_field_text(field, token),
                IndexRecordOption::WithFreqsAndPositions,
            ))),
            _ => {
                let first = tokens.first().map_or(0, |(p, _)| *p);
                let terms = tokens.iter().map(|(p, t)| (p - first, Term::from_field_text(field, t))).collect();
                Some(Box::new(PhraseQuery::new_with_offset(terms)))
            }
        }
    };
    let boosted =
        |field: Field, boost: f32| in_field(field).map(|q| Box::new(BoostQuery::new(q, boost)) as Box<dyn Query>);
    let mut should: Vec<Box<dyn Query>> = Vec::new();
    should.extend(boosted(fields.title, 3.0));
    should.extend(boosted(fields.excerpt, 2.0));
    should.extend(boosted(fields.tag_names, 2.0));
    should.extend(boosted(fields.author_names, 2.0));
    // What everyone may read; staff also match the rest of gated stories.
    should.extend(in_field(fields.body));
    if who == Searcher::Staff {
        should.extend(in_field(fields.rest));
    }
    if should.is_empty() {
        return None;
    }
    Some(Box::new(BooleanQuery::new(should.into_iter().map(|q| (Occur::Should, q)).collect())))
}

fn exact(field: Field, value: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(Term::from_field_text(field, value), IndexRecordOption::Basic))
}

fn filters(fields: &Fields, who: Searcher, request: &SearchRequest) -> Vec<Box<dyn Query>> {
    let mut filters = Vec::new();
    match (who, request.status) {
        (Searcher::Reader, _) => filters.push(exact(fields.status, "published")),
        (Searcher::Staff, Some(status)) => filters.push(exact(fields.status, status.as_str())),
        (Searcher::Staff, None) => {}
    }
    if let Some(tag) = request.tag.as_deref().filter(|t| !t.is_empty()) {
        filters.push(exact(fields.tag, tag));
    }
    if let Some(author) = request.author.as_deref().filter(|a| !a.is_empty()) {
        filters.push(exact(fields.author, author));
    }
    if request.from.is_some() || request.until.is_some() {
        let lower = request.from.map_or(Bound::Unbounded, |t| Bound::Included(Term::from_field_i64(fields.date, t)));
        let upper = request.until.map_or(Bound::Unbounded, |t| Bound::Excluded(Term::from_field_i64(fields.date, t)));
        filters.push(Box::new(RangeQuery::new(lower, upper)));
    }
    filters
}

/// The word the archive has that `word` most likely misspells, when `word` (of at least
/// [`CORRECTED_FROM`] letters) appears nowhere: the closest by edit distance (one edit for
/// words up to seven letters, two for longer ones; a swap of two letters is one edit), sharing
/// its first letter, most used first among equals.
fn correction(
    searcher: &tantivy::Searcher,
    field: Field,
    analyzer: &mut tantivy::tokenizer::TextAnalyzer,
    word: &str,
) -> Option<String> {
    let [(_, wanted)] = tokens(analyzer, word).try_into().ok()?;
    let letters = wanted.chars().count();
    if letters < CORRECTED_FROM || !wanted.chars().all(char::is_alphabetic) {
        return None;
    }
    if searcher.doc_freq(&Term::from_field_text(field, &wanted)).ok()? > 0 {
        return None;
    }
    let most = if letters >= 8 { 2 } else { 1 };
    let first = wanted.chars().next()?;
    let mut low = [0u8; 4];
    let low = first.encode_utf8(&mut low).as_bytes().to_vec();
    let mut high = low.clone();
    // The last byte of a UTF-8 character is at most 0xBF: one more is still a byte.
    *high.last_mut()? += 1;
    let mut found: HashMap<String, (usize, u64)> = HashMap::new();
    for segment in searcher.segment_readers() {
        let Ok(inverted) = segment.inverted_index(field) else { continue };
        let Ok(mut stream) = inverted.terms().range().ge(&low).lt(&high).into_stream() else { continue };
        while stream.advance() {
            let Ok(candidate) = std::str::from_utf8(stream.key()) else { continue };
            if candidate.chars().count().abs_diff(letters) > most {
                continue;
            }
            let distance = strsim::damerau_levenshtein(&wanted, candidate);
            if distance <= most {
                let entry = found.entry(candidate.to_owned()).or_insert((distance, 0));
                entry.1 += u64::from(stream.value().doc_freq);
            }
        }
    }
    found
        .into_iter()
        .min_by(|(a, (da, fa)), (b, (db, fb))| da.cmp(db).then(fb.cmp(fa)).then(a.cmp(b)))
        .map(|(word, _)| word)
}
