//! Search: each instance's index kept current from the database's change log, and searched.
//!
//! The change log (`search_changes`) gets a row from the database itself whenever a story's
//! searchable content changes, in the same transaction, whoever made the change: a use case on
//! this instance or another, an import, a command. [`Newsroom::sync_search`] reads the log from
//! the position the index last recorded, re-reads those stories and replaces them in the index,
//! recording the new position with the same commit. The indexer wakes when this instance's
//! change bus hears of a change (made here, or on PostgreSQL announced by another instance) and
//! at least every second otherwise, so a published story is searchable within about a second.
//!
//! On PostgreSQL log positions are handed out in order but commit in any order, and a rolled
//! back transaction leaves a hole. The indexer reads past holes, remembers them, and looks for
//! them again on every round for an hour; the position it records is just below the oldest hole
//! still open, so a restart reads them again too.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use masthead_core::ObjectId;
use masthead_core::search::{SearchDocument, SearchRequest, Searcher};
use masthead_search::{IndexError, SearchError, SearchIndex, SearchResults};
use masthead_storage::SearchSource;
use tokio::sync::{Mutex, Notify, watch};

use crate::{AppError, Newsroom};

/// Change-log entries read per round.
const BATCH: u32 = 1000;
/// Stories read per query while building the index from scratch.
const REBUILD_BATCH: u32 = 500;
/// How long a hole in the log is looked for before it is taken for a rolled-back change.
const HOLE_WAIT: Duration = Duration::from_secs(3600);
/// How long change-log entries are kept.
const LOG_KEPT: Duration = Duration::from_secs(7 * 24 * 3600);

/// The indexer's memory between rounds.
#[derive(Debug, Default)]
pub(crate) struct SyncState {
    /// The highest log position read.
    seen: i64,
    /// Positions below `seen` not yet seen, and when they were first missed.
    holes: BTreeMap<i64, Instant>,
    last_prune: Option<Instant>,
}

/// The search side of a newsroom: the index, the indexer's state, and its wake-up call.
#[derive(Clone, Debug)]
pub(crate) struct Search {
    pub index: SearchIndex,
    pub state: Arc<Mutex<SyncState>>,
    pub wake: Arc<Notify>,
}

impl Default for Search {
    fn default() -> Self {
        Self { index: SearchIndex::in_memory(), state: Arc::default(), wake: Arc::default() }
    }
}

fn index_failed(error: IndexError) -> AppError {
    AppError::Unavailable(format!("search index: {error}"))
}

fn join_failed(error: tokio::task::JoinError) -> AppError {
    AppError::Unavailable(format!("search index: {error}"))
}

/// The search document of a story as read: gated stories are matched by readers on their public
/// opening only, the part everyone may read on the site.
fn document(source: SearchSource) -> SearchDocument {
    let SearchSource { mut document, gated_html } = source;
    document.public_text = match gated_html {
        Some(html) => masthead_render::gating::public_plaintext(&html),
        None => document.plaintext.clone(),
    };
    document
}

fn unix_now() -> i64 {
    masthead_core::now().unix_timestamp()
}

impl Newsroom {
    /// The same newsroom searching `index` (the data directory's), instead of one in memory.
    pub fn with_search(mut self, index: SearchIndex) -> Self {
        let changes = self.changes.clone();
        self.search = Search { index, ..Search::default() };
        let wake = Arc::downgrade(&self.search.wake);
        changes.subscribe(move |_| {
            if let Some(wake) = wake.upgrade() {
                wake.notify_one();
            }
        });
        self
    }

    /// The search index, for its status.
    pub fn search_index(&self) -> &SearchIndex {
        &self.search.index
    }

    /// Searches as `who`: one page of results, best first.
    pub async fn search(&self, who: Searcher, request: SearchRequest) -> Result<SearchResults, SearchError> {
        let index = self.search.index.clone();
        match tokio::task::spawn_blocking(move || index.search(who, &request)).await {
            Ok(results) => results,
            Err(error) => Err(SearchError::Index(tantivy_error(&error))),
        }
    }

    /// Builds the index from scratch from the database, reporting `(done, total)` as it goes,
    /// and returns how many stories it holds. Changes made meanwhile are picked up by the next
    /// [`Newsroom::sync_search`].
    pub async fn rebuild_search(&self, progress: &(dyn Fn(u64, u64) + Sync)) -> Result<u64, AppError> {
        let mut state = self.search.state.lock().await;
        self.rebuild_locked(&mut state, progress).await
    }

    async fn rebuild_locked(
        &self,
        state: &mut SyncState,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<u64, AppError> {
        // The log's position first: whatever changes after it is read again afterwards.
        let head = self.db.search_change_bounds().await?.map_or(0, |(_, last)| last);
        let total = self.db.count_search_sources().await?;
        let mut rebuild = self.search.index.begin_rebuild(total).map_err(index_failed)?;
        progress(0, total);
        let mut after: Option<ObjectId> = None;
        loop {
            let ids = self.db.search_source_ids(after.as_ref(), REBUILD_BATCH).await?;
            let Some(last) = ids.last().cloned() else { break };
            let documents: Vec<SearchDocument> =
                self.db.search_sources(&ids).await?.into_iter().map(document).collect();
            rebuild = tokio::task::spawn_blocking(move || rebuild.add(&documents).map(|()| rebuild))
                .await
                .map_err(join_failed)?
                .map_err(index_failed)?;
            progress(rebuild.done(), total.max(rebuild.done()));
            after = Some(last);
        }
        let held = tokio::task::spawn_blocking(move || rebuild.finish(head))
            .await
            .map_err(join_failed)?
            .map_err(index_failed)?;
        *state = SyncState { seen: head, holes: BTreeMap::new(), last_prune: state.last_prune };
        Ok(held)
    }

    /// Brings the index up to date with the change log (building it first when it is missing,
    /// unreadable, or further behind than the log reaches). Returns how many stories were
    /// re-indexed.
    pub async fn sync_search(&self) -> Result<usize, AppError> {
        let mut state = self.search.state.lock().await;
        if self.search.index.needs_rebuild() {
            tracing::info!("building the search index");
            self.search.index.forget();
            let held = self.rebuild_locked(&mut state, &|_, _| {}).await?;
            tracing::info!(stories = held, "the search index is built");
        }
        let Some(recorded) = self.search.index.cursor() else { return Ok(0) };
        if state.seen < recorded {
            // The first round since this index was opened: it may have been away longer than the
            // log is kept.
            if let Some((first, _)) = self.db.search_change_bounds().await?
                && recorded < first - 1
            {
                tracing::warn!("the search index is further behind than the change log reaches; rebuilding it");
                self.rebuild_locked(&mut state, &|_, _| {}).await?;
                return Ok(0);
            }
            *state = SyncState { seen: recorded, holes: BTreeMap::new(), last_prune: state.last_prune };
        }
        let mut indexed = 0;
        loop {
            let changes = self.db.search_changes_after(state.seen, BATCH).await?;
            let now = Instant::now();
            let mut stories = BTreeSet::new();
            let mut expected = state.seen + 1;
            for change in &changes {
                for hole in expected..change.seq {
                    state.holes.insert(hole, now);
                }
                expected = change.seq + 1;
                stories.insert(change.post_id.clone());
            }
            if let Some(last) = changes.last() {
                state.seen = last.seq;
            }
            if !state.holes.is_empty() {
                let open: Vec<i64> = state.holes.keys().take(BATCH as usize).copied().collect();
                for late in self.db.search_changes_at(&open).await? {
                    state.holes.remove(&late.seq);
                    stories.insert(late.post_id);
                }
                state.holes.retain(|_, since| since.elapsed() < HOLE_WAIT);
            }
            let position = state.holes.keys().next().map_or(state.seen, |hole| hole - 1);
            if stories.is_empty() && Some(position) == self.search.index.cursor() {
                break;
            }
            let ids: Vec<ObjectId> = stories.into_iter().collect();
            let documents: Vec<SearchDocument> =
                self.db.search_sources(&ids).await?.into_iter().map(document).collect();
            let found: BTreeSet<&ObjectId> = documents.iter().map(|d| &d.id).collect();
            let removed: Vec<ObjectId> = ids.iter().filter(|id| !found.contains(id)).cloned().collect();
            indexed += ids.len();
            let index = self.search.index.clone();
            tokio::task::spawn_blocking(move || index.apply(&documents, &removed, position))
                .await
                .map_err(join_failed)?
                .map_err(index_failed)?;
            if changes.len() < BATCH as usize {
                break;
            }
        }
        if state.last_prune.is_none_or(|at| at.elapsed() > Duration::from_secs(3600)) {
            state.last_prune = Some(Instant::now());
            let before = unix_now() - i64::try_from(LOG_KEPT.as_secs()).unwrap_or(i64::MAX);
            self.db.prune_search_changes(before).await?;
        }
        Ok(indexed)
    }

    /// Keeps the index current until `shutdown`: at once when a change is heard, and every
    /// second (changes this instance cannot hear about, such as another process's on SQLite).
    pub async fn run_search_indexer(&self, mut shutdown: watch::Receiver<bool>) {
        loop {
            if let Err(error) = self.sync_search().await {
                tracing::warn!(%error, "keeping the search index current failed; retrying");
            }
            tokio::select! {
                () = self.search.wake.notified() => {}
                () = tokio::time::sleep(Duration::from_secs(1)) => {}
                _ = shutdown.changed() => return,
            }
        }
    }
}

fn tantivy_error(error: &tokio::task::JoinError) -> masthead_search::TantivyError {
    masthead_search::TantivyError::InternalError(format!("search failed: {error}"))
}
