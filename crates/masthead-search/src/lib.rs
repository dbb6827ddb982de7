//! The search index: a tantivy index of every story, in the data directory.
//!
//! The index is derived data. It is built from the database (on first start, with
//! `masthead search reindex`, or whenever it is found missing or unreadable) and kept current
//! from the database's change log; the position in that log it has reached is committed with
//! the index itself, so after a restart it carries on where it stopped. While it is being built
//! from scratch, searches answer [`SearchError::Rebuilding`] instead of failing.
//!
//! What readers may match is decided here, when the query is built: a reader's words match the
//! titles, excerpts, tag and author names of live stories, the whole text of public ones and
//! only the public opening of gated ones. Staff match everything, drafts included.

mod files;
mod query;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use masthead_core::ObjectId;
use masthead_core::search::{QueryError, SearchDocument, SearchOrder, SearchRequest, Searcher};
pub use tantivy::TantivyError;
use tantivy::collector::{Count, TopDocs};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::{Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, TextAnalyzer};
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, Order, ReloadPolicy, TantivyDocument, Term};

/// Bumped whenever the schema or the analysis changes: an index of another version is rebuilt.
const SCHEMA_VERSION: &str = "masthead-search-2";
/// Words: split on anything not a letter or digit (any script), lower-cased, English stems.
const STEMMED: &str = "masthead_stemmed";
/// Words as written, lower-cased: the vocabulary misspellings are corrected against.
const PLAIN: &str = "masthead_plain";
/// Memory for the writer that keeps the index current; a rebuild gets more.
const WRITER_MEMORY: usize = 15_000_000;
const REBUILD_MEMORY: usize = 32_000_000;
/// A rebuild commits every this many stories: stories handed to tantivy wait in a queue of up to
/// 10,000 until its indexing thread takes them, so committing bounds what waits in memory.
const REBUILD_COMMIT_EVERY: u64 = 2_000;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("Search is being rebuilt; try again in a minute.")]
    Rebuilding { done: u64, total: u64 },
    #[error("{0}")]
    Query(#[from] QueryError),
    #[error("the search index failed: {0}")]
    Index(#[from] tantivy::TantivyError),
}

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("the search index is not built yet")]
    NotBuilt,
    #[error("the search index failed: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("the search index's directory failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("another masthead process ({holder}) keeps the search index in {home}; stop it first")]
    Busy { home: PathBuf, holder: String },
}

/// Where the index stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndexStatus {
    /// Searchable; `cursor` is the last change-log position it holds.
    Ready { documents: u64, cursor: i64 },
    /// Missing or unreadable, waiting to be built.
    Missing,
    /// Being built from scratch.
    Rebuilding { done: u64, total: u64 },
}

/// The index, shared by every request and the task that keeps it current. Cheap to clone.
#[derive(Clone)]
pub struct SearchIndex {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex").field("home", &self.shared.home).field("status", &self.status()).finish()
    }
}

struct Shared {
    /// `None`: kept in memory (tests, and commands that never search).
    home: Option<PathBuf>,
    state: RwLock<State>,
    /// Held while this process keeps the index in `home`: one process builds and changes it.
    _lock: Option<std::fs::File>,
}

enum State {
    Missing,
    Rebuilding { done: u64, total: u64 },
    Ready(Arc<Live>),
}

/// An open, searchable index.
struct Live {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    cursor: AtomicI64,
    /// Opened at the first change; holds tantivy's lock on the directory from then on.
    writer: Mutex<Option<IndexWriter<TantivyDocument>>>,
}

/// The index's fields. Names are the schema's; see [`schema`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fields {
    pub id: Field,
    pub title: Field,
    pub excerpt: Field,
    /// What every reader may read: the whole text of a public story, the public opening of a
    /// gated one.
    pub body: Field,
    /// The whole text of a gated story, searched by staff only.
    pub rest: Field,
    pub tag_names: Field,
    pub author_names: Field,
    /// Unstemmed words of what readers may read, for spelling corrections.
    pub words: Field,
    pub tag: Field,
    pub author: Field,
    pub status: Field,
    pub kind: Field,
    /// Unix seconds: published, or last updated for drafts.
    pub date: Field,
}

fn schema() -> Schema {
    let mut builder = Schema::builder();
    let text = |tokenizer: &str, record: IndexRecordOption| {
        TextOptions::default()
            .set_indexing_options(TextFieldIndexing::default().set_tokenizer(tokenizer).set_index_option(record))
    };
    let positions = IndexRecordOption::WithFreqsAndPositions;
    builder.add_text_field("id", STRING | STORED);
    builder.add_text_field("title", text(STEMMED, positions));
    builder.add_text_field("excerpt", text(STEMMED, positions));
    builder.add_text_field("body", text(STEMMED, positions));
    builder.add_text_field("rest", text(STEMMED, positions));
    builder.add_text_field("tag_names", text(STEMMED, positions));
    builder.add_text_field("author_names", text(STEMMED, positions));
    builder.add_text_field("words", text(PLAIN, IndexRecordOption::Basic));
    builder.add_text_field("tag", STRING);
    builder.add_text_field("author", STRING);
    builder.add_text_field("status", STRING);
    builder.add_text_field("kind", STRING);
    builder.add_i64_field("date", INDEXED | FAST);
    builder.build()
}

impl Fields {
    fn of(schema: &Schema) -> tantivy::Result<Self> {
        let field = |name: &str| schema.get_field(name);
        Ok(Self {
            id: field("id")?,
            title: field("title")?,
            excerpt: field("excerpt")?,
            body: field("body")?,
            rest: field("rest")?,
            tag_names: field("tag_names")?,
            author_names: field("author_names")?,
            words: field("words")?,
            tag: field("tag")?,
            author: field("author")?,
            status: field("status")?,
            kind: field("kind")?,
            date: field("date")?,
        })
    }
}

fn register_tokenizers(index: &Index) {
    let words =
        || TextAnalyzer::builder(SimpleTokenizer::default()).filter(RemoveLongFilter::limit(40)).filter(LowerCaser);
    index.tokenizers().register(STEMMED, words().filter(Stemmer::new(Language::English)).build());
    index.tokenizers().register(PLAIN, words().build());
}

/// Takes `home/lock` for this process, writing its id in it for the message another one gets.
fn lock(home: &Path) -> Result<std::fs::File, IndexError> {
    use std::io::{Read, Write};
    let path = home.join("lock");
    let mut file = std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path)?;
    match file.try_lock() {
        Ok(()) => {
            file.set_len(0).and_then(|()| write!(file, "pid {}", std::process::id())).ok();
            Ok(file)
        }
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            file.read_to_string(&mut holder).ok();
            Err(IndexError::Busy { home: home.to_owned(), holder: holder.trim().to_owned() })
        }
        Err(std::fs::TryLockError::Error(error)) => Err(error.into()),
    }
}

fn payload(cursor: i64) -> String {
    format!("{SCHEMA_VERSION}:{cursor}")
}

/// The change-log position an index's last commit recorded, if it is of this schema version.
fn cursor_of(index: &Index) -> Option<i64> {
    let metas = index.load_metas().ok()?;
    metas.payload?.strip_prefix(SCHEMA_VERSION)?.strip_prefix(':')?.parse().ok()
}

impl Live {
    fn new(index: Index) -> tantivy::Result<Self> {
        register_tokenizers(&index);
        let fields = Fields::of(&index.schema())?;
        let cursor = cursor_of(&index)
            .ok_or_else(|| tantivy::TantivyError::SchemaError(format!("not an index of {SCHEMA_VERSION}")))?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(Self { index, reader, fields, cursor: AtomicI64::new(cursor), writer: Mutex::new(None) })
    }

    fn open(dir: &Path) -> tantivy::Result<Self> {
        Self::new(Index::open(files::ReadDirectory::open(dir)?)?)
    }
}

impl SearchIndex {
    fn with_state(home: Option<PathBuf>, state: State, lock: Option<std::fs::File>) -> Self {
        Self { shared: Arc::new(Shared { home, state: RwLock::new(state), _lock: lock }) }
    }

    /// An index kept in memory, empty until built.
    pub fn in_memory() -> Self {
        Self::with_state(None, State::Missing, None)
    }

    /// The index kept in `home` (the data directory's `search`), or a missing one that the
    /// first [`SearchIndex::begin_rebuild`] builds there when it cannot be read. This process
    /// keeps it until the index is dropped; another process keeping it is [`IndexError::Busy`].
    pub fn open(home: &Path) -> Result<Self, IndexError> {
        std::fs::create_dir_all(home)?;
        let lock = lock(home)?;
        let dir = home.join("index");
        let state = match Live::open(&dir) {
            Ok(live) => State::Ready(Arc::new(live)),
            Err(error) => {
                if dir.exists() {
                    tracing::warn!(%error, "the search index cannot be read; it will be rebuilt");
                }
                State::Missing
            }
        };
        Ok(Self::with_state(Some(home.to_owned()), state, Some(lock)))
    }

    fn live(&self) -> Option<Arc<Live>> {
        match &*self.shared.state.read().unwrap_or_else(|e| e.into_inner()) {
            State::Ready(live) => Some(live.clone()),
            _ => None,
        }
    }

    fn set_state(&self, state: State) {
        *self.shared.state.write().unwrap_or_else(|e| e.into_inner()) = state;
    }

    pub fn status(&self) -> IndexStatus {
        match &*self.shared.state.read().unwrap_or_else(|e| e.into_inner()) {
            State::Missing => IndexStatus::Missing,
            State::Rebuilding { done, total } => IndexStatus::Rebuilding { done: *done, total: *total },
            State::Ready(live) => IndexStatus::Ready {
                documents: live.reader.searcher().num_docs(),
                cursor: live.cursor.load(Ordering::SeqCst),
            },
        }
    }

    /// Whether the index must be built from scratch: it was never built, could not be read, or
    /// its files have gone from the data directory since it was opened.
    pub fn needs_rebuild(&self) -> bool {
        match &*self.shared.state.read().unwrap_or_else(|e| e.into_inner()) {
            State::Missing => true,
            State::Rebuilding { .. } => false,
            State::Ready(_) => {
                self.shared.home.as_ref().is_some_and(|home| !home.join("index").join("meta.json").is_file())
            }
        }
    }

    /// Marks the index missing, so searches say it is being rebuilt until it is.
    pub fn forget(&self) {
        self.set_state(State::Missing);
    }

    /// The change-log position the index holds, when it is ready.
    pub fn cursor(&self) -> Option<i64> {
        self.live().map(|live| live.cursor.load(Ordering::SeqCst))
    }

    /// Replaces `removed` and `changed` stories (a story in `changed` is removed and added again)
    /// and records that the index holds the change log up to `cursor`.
    pub fn apply(&self, changed: &[SearchDocument], removed: &[ObjectId], cursor: i64) -> Result<(), IndexError> {
        let live = self.live().ok_or(IndexError::NotBuilt)?;
        let mut slot = live.writer.lock().unwrap_or_else(|e| e.into_inner());
        let writer = match slot.as_mut() {
            Some(writer) => writer,
            None => slot.insert(live.index.writer_with_num_threads(1, WRITER_MEMORY)?),
        };
        let outcome = (|| -> Result<(), IndexError> {
            for id in removed.iter().chain(changed.iter().map(|d| &d.id)) {
                writer.delete_term(Term::from_field_text(live.fields.id, id.as_str()));
            }
            for document in changed {
                writer.add_document(to_document(&live.fields, document))?;
            }
            let mut commit = writer.prepare_commit()?;
            commit.set_payload(&payload(cursor));
            commit.commit()?;
            Ok(())
        })();
        if outcome.is_err() {
            // A writer that failed may hold half a batch: start again from the last commit.
            *slot = None;
        }
        outcome?;
        live.reader.reload()?;
        live.cursor.store(cursor, Ordering::SeqCst);
        Ok(())
    }

    /// Starts building the index from scratch, for about `total` stories. Searches keep using
    /// the current index, if there is one, until [`Rebuild::finish`] replaces it; without one
    /// they answer that search is being rebuilt.
    pub fn begin_rebuild(&self, total: u64) -> Result<Rebuild, IndexError> {
        let index = match &self.shared.home {
            Some(home) => {
                let dir = home.join("building");
                if dir.exists() {
                    std::fs::remove_dir_all(&dir)?;
                }
                std::fs::create_dir_all(&dir)?;
                Index::create_in_dir(&dir, schema())?
            }
            None => Index::create_in_ram(schema()),
        };
        register_tokenizers(&index);
        let fields = Fields::of(&index.schema())?;
        let writer: IndexWriter<TantivyDocument> = index.writer_with_num_threads(1, REBUILD_MEMORY)?;
        // Merged once, at the end (see `Rebuild::finish`).
        writer.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
        if self.live().is_none() {
            self.set_state(State::Rebuilding { done: 0, total });
        }
        Ok(Rebuild { target: self.clone(), index, writer, fields, done: 0, total, uncommitted: 0 })
    }

    /// Searches as `who`. An empty or overlong query is a [`SearchError::Query`].
    pub fn search(&self, who: Searcher, request: &SearchRequest) -> Result<SearchResults, SearchError> {
        let text = request.checked_text()?;
        let live = match &*self.shared.state.read().unwrap_or_else(|e| e.into_inner()) {
            State::Ready(live) => live.clone(),
            State::Missing => return Err(SearchError::Rebuilding { done: 0, total: 0 }),
            State::Rebuilding { done, total } => return Err(SearchError::Rebuilding { done: *done, total: *total }),
        };
        let searcher = live.reader.searcher();
        let built = query::build(&live.index, &searcher, &live.fields, who, request, text)?;
        let limit = request.limit.max(1);
        let (total, addresses): (usize, Vec<DocAddress>) = match request.order {
            SearchOrder::Relevance => {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
                let top = TopDocs::with_limit(limit).and_offset(request.offset).tweak_score(
                    move |segment: &tantivy::SegmentReader| {
                        let dates = segment.fast_fields().i64("date").ok().map(|c| c.first_or_default_col(0));
                        move |doc: tantivy::DocId, score: tantivy::Score| {
                            let date = dates.as_ref().map_or(0, |c| c.get_val(doc));
                            score * recency_boost(now, date)
                        }
                    },
                );
                let (total, top) = searcher.search(&*built.query, &(Count, top))?;
                (total, top.into_iter().map(|(_, address)| address).collect())
            }
            SearchOrder::Newest => {
                let top = TopDocs::with_limit(limit)
                    .and_offset(request.offset)
                    .order_by_fast_field::<i64>("date", Order::Desc);
                let (total, top) = searcher.search(&*built.query, &(Count, top))?;
                (total, top.into_iter().map(|(_, address)| address).collect())
            }
        };
        let mut hits = Vec::with_capacity(addresses.len());
        for address in addresses {
            let document: TantivyDocument = searcher.doc(address)?;
            if let Some(id) =
                document.get_first(live.fields.id).and_then(|v| v.as_str()).and_then(|id| ObjectId::parse(id).ok())
            {
                hits.push(id);
            }
        }
        let mut body = SnippetGenerator::create(&searcher, &*built.query, live.fields.body)?;
        body.set_max_num_chars(220);
        let mut title = SnippetGenerator::create(&searcher, &*built.query, live.fields.title)?;
        title.set_max_num_chars(1000);
        Ok(SearchResults { total, hits, corrected: built.corrected, highlighter: Highlighter { body, title } })
    }
}

/// Stories a day old count up to half as much again as the same match ten years ago; the boost
/// halves every six months.
fn recency_boost(now: i64, date: i64) -> f32 {
    #[expect(clippy::cast_precision_loss, reason = "ages in days need no more than f32's precision")]
    let age_days = (now.saturating_sub(date).max(0) / 86_400) as f32;
    1.0 + 0.5 * 0.5_f32.powf(age_days / 180.0)
}

fn to_document(fields: &Fields, story: &SearchDocument) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_text(fields.id, story.id.as_str());
    doc.add_text(fields.title, &story.title);
    doc.add_text(fields.words, &story.title);
    if let Some(excerpt) = &story.custom_excerpt {
        doc.add_text(fields.excerpt, excerpt);
        doc.add_text(fields.words, excerpt);
    }
    doc.add_text(fields.body, &story.public_text);
    if story.visibility != masthead_core::Visibility::Public {
        doc.add_text(fields.rest, &story.plaintext);
    }
    doc.add_text(fields.words, &story.public_text);
    for (slug, name) in &story.tags {
        doc.add_text(fields.tag, slug);
        doc.add_text(fields.tag_names, name);
        doc.add_text(fields.words, name);
    }
    for slug in &story.internal_tags {
        doc.add_text(fields.tag, slug);
    }
    for (slug, name) in &story.authors {
        doc.add_text(fields.author, slug);
        doc.add_text(fields.author_names, name);
        doc.add_text(fields.words, name);
    }
    doc.add_text(fields.status, story.status.as_str());
    doc.add_text(fields.kind, story.post_type.as_str());
    doc.add_i64(fields.date, story.published_at.unwrap_or(story.updated_at));
    doc
}

/// An index being built from scratch; see [`SearchIndex::begin_rebuild`].
pub struct Rebuild {
    target: SearchIndex,
    index: Index,
    writer: IndexWriter<TantivyDocument>,
    fields: Fields,
    done: u64,
    total: u64,
    uncommitted: u64,
}

impl Rebuild {
    pub fn add(&mut self, stories: &[SearchDocument]) -> Result<(), IndexError> {
        for story in stories {
            self.writer.add_document(to_document(&self.fields, story))?;
        }
        self.done += stories.len() as u64;
        self.uncommitted += stories.len() as u64;
        if self.uncommitted >= REBUILD_COMMIT_EVERY {
            self.writer.commit()?;
            self.uncommitted = 0;
        }
        if self.target.live().is_none() {
            self.target.set_state(State::Rebuilding { done: self.done, total: self.total.max(self.done) });
        }
        Ok(())
    }

    /// Stories added so far.
    pub fn done(&self) -> u64 {
        self.done
    }

    /// Commits the new index, recording that it holds the change log up to `cursor`, and puts
    /// it in place of the old one. Returns how many stories it holds.
    pub fn finish(mut self, cursor: i64) -> Result<u64, IndexError> {
        let mut commit = self.writer.prepare_commit()?;
        commit.set_payload(&payload(cursor));
        commit.commit()?;
        // One segment: a search then looks each word up once, not once per segment.
        let segments = self.index.searchable_segment_ids()?;
        if segments.len() > 1 {
            self.writer.merge(&segments).wait()?;
        }
        self.writer.wait_merging_threads()?;
        let live = match &self.target.shared.home {
            Some(home) => {
                let building = home.join("building");
                let dir = home.join("index");
                // The old index's files stay readable by whoever still has them open.
                if dir.exists() {
                    std::fs::remove_dir_all(&dir)?;
                }
                std::fs::rename(&building, &dir)?;
                Live::open(&dir)?
            }
            None => Live::new(self.index)?,
        };
        let documents = live.reader.searcher().num_docs();
        self.target.set_state(State::Ready(Arc::new(live)));
        Ok(documents)
    }
}

/// One page of results: the stories' ids, best first, and how many matched in all.
pub struct SearchResults {
    pub total: usize,
    pub hits: Vec<ObjectId>,
    /// The query as searched, when misspelt words were replaced with words the archive has.
    pub corrected: Option<String>,
    pub highlighter: Highlighter,
}

/// Marks the searched words in the results' text.
pub struct Highlighter {
    body: SnippetGenerator,
    title: SnippetGenerator,
}

impl Highlighter {
    /// The passage of `text` that best matches the query, HTML-escaped, with matches in
    /// `<mark>`; `None` when nothing in `text` matches.
    pub fn passage(&self, text: &str) -> Option<String> {
        marked(&self.body, text)
    }

    /// `title`, HTML-escaped, with matches in `<mark>`; `None` when nothing in it matches.
    pub fn title(&self, title: &str) -> Option<String> {
        marked(&self.title, title)
    }
}

fn marked(generator: &SnippetGenerator, text: &str) -> Option<String> {
    let mut snippet = generator.snippet(text);
    if snippet.highlighted().is_empty() {
        return None;
    }
    snippet.set_snippet_prefix_postfix("<mark>", "</mark>");
    Some(snippet.to_html())
}

#[cfg(test)]
mod tests;
