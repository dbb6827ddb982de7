//! The public page cache. Published pages are rendered once, compressed once, and served from
//! memory until a change to something they show invalidates them.
//!
//! Each entry lists what it depends on ([`Dep`]); a [`ContentChange`] removes exactly the
//! entries that depend on what changed. A generation counter stops a render that raced with a
//! change from storing a stale page.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use axum::http::{HeaderValue, StatusCode};
use masthead_app::ContentChange;
use masthead_core::{ObjectId, Reader};

use crate::encoded::EncodedBody;

/// Something a cached page shows.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Dep {
    /// The post itself: its title, excerpt, image, body.
    Post(ObjectId),
    /// A tag's name or description, as shown on any page.
    Tag(ObjectId),
    /// Which stories carry a tag: the tag's archive, and related stories chosen by tag.
    TagList(ObjectId),
    /// A staff member's name or bio, as shown on any page.
    Author(ObjectId),
    /// Which stories an author wrote: the author's archive.
    AuthorList(ObjectId),
    /// Lists of the newest stories: the home page, feeds, sitemaps, the 404 page's suggestions.
    Listings,
    /// Which stories are narrated: the podcast feed.
    Narrations,
    /// The live news feed: its pages, and the block on the home and article pages.
    News,
    /// The editors' picks.
    Picks,
    /// The goal campaigns: the strip on every HTML page and the block after articles.
    Campaigns,
    /// Anything at all: Content API answers, which any filter, include or setting can touch,
    /// are dropped by every change.
    AnyChange,
}

/// The dependencies a handler attaches to a response it wants cached.
#[derive(Clone, Debug, Default)]
pub struct CacheDeps(pub Vec<Dep>);

impl CacheDeps {
    pub fn push(&mut self, dep: Dep) {
        if !self.0.contains(&dep) {
            self.0.push(dep);
        }
    }

    /// Adds another part's dependencies after these, each once.
    pub fn extend(&mut self, other: CacheDeps) {
        for dep in other.0 {
            self.push(dep);
        }
    }
}

/// Marks a response whose content depends on who reads it (a gated story): it is sent with
/// `Vary: Cookie`, so a shared cache never hands one reader's version to another.
#[derive(Clone, Copy, Debug)]
pub struct VariesByReader;

/// The longest a page is kept by default, whatever its dependencies: a bound on how stale any
/// page can be if a change notification between instances is lost.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(300);

/// The surrogate keys of a page (`Surrogate-Key`, `Cache-Tag`): what it shows, so a CDN in
/// front can drop exactly the pages a change touches (see `masthead_app::cdn`).
pub fn surrogate_keys(deps: &[Dep], path: &str) -> Vec<String> {
    use masthead_app::cdn;
    let mut keys = vec![cdn::SITE.to_owned()];
    let mut add = |key: String| {
        if !keys.contains(&key) {
            keys.push(key);
        }
    };
    for dep in deps {
        match dep {
            Dep::Post(id) => add(cdn::post_key(id)),
            Dep::Tag(id) | Dep::TagList(id) => add(cdn::tag_key(id)),
            Dep::Author(id) | Dep::AuthorList(id) => add(cdn::author_key(id)),
            Dep::Listings if path == "/" || path.starts_with("/page/") => add(cdn::HOME.to_owned()),
            Dep::Listings | Dep::Narrations => add(cdn::FEED.to_owned()),
            Dep::News => add(cdn::NEWS.to_owned()),
            Dep::Picks => add(cdn::PICKS.to_owned()),
            Dep::Campaigns => add(cdn::CAMPAIGNS.to_owned()),
            Dep::AnyChange => {}
        }
    }
    keys
}

/// The cache key of a page as served at one access level. Anonymous readers share the plain
/// path; each member level has entries of its own, so one reader's access never shows through
/// another's page. (Staff never reach the cache.)
pub fn page_key(reader: Reader, path: &str) -> String {
    match reader {
        Reader::Anonymous => path.to_owned(),
        other => format!("{}\u{0}{path}", other.as_str()),
    }
}

/// The cache key of a Content API answer: its path and its whole query except the content key
/// (every integration gets the same public content), in the order sent.
pub fn api_key(path: &str, query: Option<&str>) -> String {
    // The query as sent, without decoding it: a spelling of the same query that differs only in
    // its encoding gets an entry of its own, which costs memory, never a wrong answer.
    let mut key = format!("api\u{0}{path}?");
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty() && *p != "key" && !p.starts_with("key=")) {
        key.push_str(pair);
        key.push('&');
    }
    key
}

/// Keeps a cached response at most this long, for pages that change with time as well as with
/// content (the news sitemap).
#[derive(Clone, Copy, Debug)]
pub struct CacheTtl(pub std::time::Duration);

#[derive(Debug)]
pub struct CachedPage {
    pub status: StatusCode,
    pub content_type: HeaderValue,
    pub cache_control: HeaderValue,
    pub body: EncodedBody,
    /// Whether the page differs by reader (see [`VariesByReader`]).
    pub varies_by_reader: bool,
    /// `Surrogate-Key` (space-separated) and `Cache-Tag` (comma-separated) values, for pages a
    /// CDN may keep.
    pub surrogate_keys: Option<(HeaderValue, HeaderValue)>,
    /// Headers of the handler's answer that are sent with it each time (an API's `Vary` or
    /// version), beside those [`EncodedBody::respond`] sets.
    pub extra_headers: Vec<(axum::http::HeaderName, HeaderValue)>,
    deps: Vec<Dep>,
    expires: Option<Instant>,
    /// When it was last served, in milliseconds since the cache started: the least recently
    /// served pages go first when the cache is full.
    last_used: AtomicU64,
}

impl CachedPage {
    pub fn new(status: StatusCode, content_type: HeaderValue, cache_control: HeaderValue, body: EncodedBody) -> Self {
        Self {
            status,
            content_type,
            cache_control,
            body,
            varies_by_reader: false,
            surrogate_keys: None,
            extra_headers: Vec::new(),
            deps: Vec::new(),
            expires: None,
            last_used: AtomicU64::new(0),
        }
    }

    /// Sends these headers of the handler's answer with the page.
    pub fn with_headers(mut self, headers: Vec<(axum::http::HeaderName, HeaderValue)>) -> Self {
        self.extra_headers = headers;
        self
    }

    /// The memory the page takes: its bodies, plain and compressed.
    fn weight(&self) -> usize {
        self.body.len() + 512
    }

    pub fn varying_by_reader(mut self, varies: bool) -> Self {
        self.varies_by_reader = varies;
        self
    }

    pub fn depending_on(mut self, deps: Vec<Dep>) -> Self {
        self.deps = deps;
        self
    }

    pub fn expiring_after(mut self, ttl: Option<Duration>) -> Self {
        self.expires = ttl.map(|ttl| Instant::now() + ttl);
        self
    }

    /// Labels the page with the keys of what it shows (for a CDN's purge by key).
    pub fn with_surrogate_keys(mut self, keys: &[String]) -> Self {
        let spaced = HeaderValue::from_str(&keys.join(" "));
        let commas = HeaderValue::from_str(&keys.join(","));
        self.surrogate_keys = spaced.ok().zip(commas.ok());
        self
    }
}

/// The memory the cache may take by default: hundreds of pages with their compressed forms, so
/// the pages readers are reading stay, while a crawler walking a decade of archive cannot make
/// the process grow without bound. A page not kept is rendered again in a few milliseconds,
/// even deep in 100,000 stories.
pub const DEFAULT_CAPACITY: usize = 32 * 1024 * 1024;

#[derive(Debug)]
pub struct PageCache {
    entries: RwLock<HashMap<String, Arc<CachedPage>>>,
    generation: AtomicU64,
    in_flight: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// The longest any page is kept, in milliseconds.
    max_age_ms: AtomicU64,
    /// What the pages held take, in bytes (changed under the entries' write lock).
    bytes: AtomicUsize,
    /// The most they may take; past it, the least recently served pages are dropped.
    capacity: AtomicUsize,
    started: Instant,
}

impl Default for PageCache {
    fn default() -> Self {
        Self {
            entries: RwLock::default(),
            generation: AtomicU64::default(),
            in_flight: Mutex::default(),
            max_age_ms: AtomicU64::new(DEFAULT_MAX_AGE.as_millis() as u64),
            bytes: AtomicUsize::new(0),
            capacity: AtomicUsize::new(DEFAULT_CAPACITY),
            started: Instant::now(),
        }
    }
}

impl PageCache {
    /// Keeps no page longer than `max_age`, however long its dependencies stay unchanged.
    pub fn set_max_age(&self, max_age: Duration) {
        self.max_age_ms.store(max_age.as_millis().try_into().unwrap_or(u64::MAX), Ordering::Release);
    }

    /// The longest a page is kept (see [`PageCache::set_max_age`]).
    pub fn max_age(&self) -> Duration {
        Duration::from_millis(self.max_age_ms.load(Ordering::Acquire))
    }

    /// Holds at most `bytes` of pages (bodies plain and compressed).
    pub fn set_capacity(&self, bytes: usize) {
        self.capacity.store(bytes, Ordering::Release);
    }

    /// What the pages held take, in bytes.
    pub fn bytes(&self) -> usize {
        self.bytes.load(Ordering::Acquire)
    }

    fn clock(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    pub fn get(&self, key: &str) -> Option<Arc<CachedPage>> {
        let page = self.entries.read().ok()?.get(key).cloned()?;
        match page.expires {
            Some(expires) if expires <= std::time::Instant::now() => None,
            _ => {
                page.last_used.store(self.clock(), Ordering::Relaxed);
                Some(page)
            }
        }
    }

    /// Read before rendering; pass to [`PageCache::insert`].
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Stores a rendered page unless content changed since `generation` was read. It expires
    /// after its own time to live or the cache's maximum age, whichever comes first.
    pub fn insert(&self, key: String, generation: u64, mut page: CachedPage) -> Arc<CachedPage> {
        let latest = Instant::now() + Duration::from_millis(self.max_age_ms.load(Ordering::Acquire));
        page.expires = Some(page.expires.map_or(latest, |expires| expires.min(latest)));
        page.last_used = AtomicU64::new(self.clock());
        let page = Arc::new(page);
        if let Ok(mut entries) = self.entries.write()
            && self.generation.load(Ordering::Acquire) == generation
        {
            let mut bytes = self.bytes.load(Ordering::Acquire) + page.weight();
            if let Some(old) = entries.insert(key, page.clone()) {
                bytes = bytes.saturating_sub(old.weight());
            }
            let capacity = self.capacity.load(Ordering::Acquire);
            if bytes > capacity {
                bytes = evict(&mut entries, capacity - capacity / 4);
            }
            self.bytes.store(bytes, Ordering::Release);
        }
        page
    }

    /// A lock per key, so a burst of requests for a page that just expired renders it once.
    pub fn render_lock(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        match self.in_flight.lock() {
            Ok(mut map) => {
                if map.len() > 1024 {
                    map.retain(|_, lock| Arc::strong_count(lock) > 1);
                }
                map.entry(key.to_owned()).or_default().clone()
            }
            Err(_) => Arc::default(),
        }
    }

    pub fn invalidate(&self, change: &ContentChange) {
        let deps: Vec<Dep> = match change {
            ContentChange::Post { id, tag_ids, author_ids, .. } => std::iter::once(Dep::Post(id.clone()))
                .chain(tag_ids.iter().cloned().map(Dep::TagList))
                .chain(author_ids.iter().cloned().map(Dep::AuthorList))
                .chain(std::iter::once(Dep::Listings))
                .collect(),
            ContentChange::Tag(id) => vec![Dep::Tag(id.clone())],
            ContentChange::Author(id) => vec![Dep::Author(id.clone())],
            // The story's page and every page showing its card (which depend on the story);
            // lists whose stories stay the same are kept. API answers go, as on every change.
            ContentChange::Narration(id) => vec![Dep::Post(id.clone()), Dep::Narrations],
            ContentChange::FeedItem(_) => vec![Dep::News],
            ContentChange::Picks => vec![Dep::Picks],
            ContentChange::Campaigns => vec![Dep::Campaigns],
            ContentChange::Settings | ContentChange::Everything => {
                self.clear();
                return;
            }
        };
        if let Ok(mut entries) = self.entries.write() {
            self.generation.fetch_add(1, Ordering::AcqRel);
            entries.retain(|_, page| !page.deps.iter().any(|d| *d == Dep::AnyChange || deps.contains(d)));
            self.bytes.store(entries.values().map(|p| p.weight()).sum(), Ordering::Release);
        }
    }

    /// Drops every Content API answer (after a write whose change has no [`ContentChange`] of
    /// its own, such as a tier's price).
    pub fn forget_api_answers(&self) {
        if let Ok(mut entries) = self.entries.write() {
            self.generation.fetch_add(1, Ordering::AcqRel);
            entries.retain(|_, page| !page.deps.contains(&Dep::AnyChange));
            self.bytes.store(entries.values().map(|p| p.weight()).sum(), Ordering::Release);
        }
    }

    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.write() {
            self.generation.fetch_add(1, Ordering::AcqRel);
            entries.clear();
            self.bytes.store(0, Ordering::Release);
        }
    }

    pub fn len(&self) -> usize {
        self.entries.read().map(|e| e.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }
}

/// Drops expired pages, then the least recently served, until the rest take at most `target`
/// bytes. Returns what the rest take.
fn evict(entries: &mut HashMap<String, Arc<CachedPage>>, target: usize) -> usize {
    let now = Instant::now();
    entries.retain(|_, page| page.expires.is_none_or(|at| at > now));
    let mut bytes: usize = entries.values().map(|p| p.weight()).sum();
    if bytes <= target {
        return bytes;
    }
    let mut by_use: Vec<(u64, usize, String)> = entries
        .iter()
        .map(|(key, page)| (page.last_used.load(Ordering::Relaxed), page.weight(), key.clone()))
        .collect();
    by_use.sort_unstable();
    for (_, weight, key) in by_use {
        if bytes <= target {
            break;
        }
        entries.remove(&key);
        bytes = bytes.saturating_sub(weight);
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Bytes;

    fn page(cache: &PageCache, key: &str, deps: Vec<Dep>) {
        let generation = cache.generation();
        let body = EncodedBody::new(Bytes::from_static(b"x"), false);
        let page = CachedPage::new(
            StatusCode::OK,
            HeaderValue::from_static("text/html"),
            HeaderValue::from_static("public"),
            body,
        );
        cache.insert(key.to_owned(), generation, page.depending_on(deps));
    }

    #[test]
    fn a_change_removes_only_the_pages_that_show_it() {
        let cache = PageCache::default();
        let (a, b, war) = (ObjectId::new(), ObjectId::new(), ObjectId::new());
        page(&cache, "/a/", vec![Dep::Post(a.clone()), Dep::Tag(war.clone())]);
        page(&cache, "/b/", vec![Dep::Post(b.clone()), Dep::TagList(war.clone())]);
        page(&cache, "/", vec![Dep::Listings]);
        cache.invalidate(&ContentChange::Post {
            id: a,
            post_type: masthead_core::PostType::Post,
            tag_ids: vec![],
            author_ids: vec![],
        });
        assert!(!cache.contains("/a/") && !cache.contains("/") && cache.contains("/b/"));
        cache.invalidate(&ContentChange::Tag(war.clone()));
        assert!(cache.contains("/b/"), "renaming a tag does not change which stories carry it");
        cache.invalidate(&ContentChange::Post {
            id: ObjectId::new(),
            post_type: masthead_core::PostType::Post,
            tag_ids: vec![war],
            author_ids: vec![],
        });
        assert!(!cache.contains("/b/"), "a new story with the tag changes its list");
        cache.invalidate(&ContentChange::Settings);
        assert!(cache.is_empty());
    }

    #[test]
    fn a_narration_removes_the_story_its_cards_and_the_podcast_but_not_the_lists() {
        let cache = PageCache::default();
        let (a, b) = (ObjectId::new(), ObjectId::new());
        page(&cache, "/a/", vec![Dep::Post(a.clone())]);
        page(&cache, "/", vec![Dep::Listings, Dep::Post(a.clone())]);
        page(&cache, "/page/2/", vec![Dep::Listings, Dep::Post(b.clone())]);
        page(&cache, "/podcast/rss/", vec![Dep::Listings, Dep::Narrations]);
        page(&cache, "api\u{0}/posts/?", vec![Dep::AnyChange]);
        cache.invalidate(&ContentChange::Narration(a));
        assert!(!cache.contains("/a/"), "the story's page has its player now");
        assert!(!cache.contains("/"), "a page showing the story's card is rendered again");
        assert!(!cache.contains("/podcast/rss/"), "the podcast gains an episode");
        assert!(!cache.contains("api\u{0}/posts/?"), "API answers carry the narration");
        assert!(cache.contains("/page/2/"), "a list without the story is kept: its stories did not move");
    }

    #[test]
    fn a_full_cache_drops_the_least_recently_served_pages() {
        let cache = PageCache::default();
        for key in ["/a/", "/b/", "/c/"] {
            page(&cache, key, vec![]);
        }
        let weight = cache.bytes() / 3;
        assert_eq!(cache.bytes(), 3 * weight, "every page is counted");
        cache.set_capacity(3 * weight);
        for (key, used) in [("/a/", u64::MAX / 2), ("/b/", 0), ("/c/", 0)] {
            let entry = cache.entries.read().expect("entries").get(key).cloned().expect("cached");
            entry.last_used.store(used, Ordering::Relaxed);
        }
        page(&cache, "/d/", vec![]);
        assert!(cache.contains("/a/") && cache.contains("/d/"), "the page just read and the page just made stay");
        assert!(!cache.contains("/b/") && !cache.contains("/c/"), "the least recently served go");
        assert_eq!(cache.bytes(), 2 * weight);
        cache.invalidate(&ContentChange::Picks);
        assert_eq!(cache.bytes(), 2 * weight, "recounted after an invalidation");
        cache.clear();
        assert_eq!(cache.bytes(), 0);
    }

    #[test]
    fn content_api_answers_are_kept_by_query_without_the_key() {
        let a = api_key("/ghost/api/content/posts/", Some("key=one&limit=15&include=tags,authors"));
        let b = api_key("/ghost/api/content/posts/", Some("limit=15&key=two&include=tags,authors"));
        assert_eq!(a, b, "two integrations share one answer");
        assert_ne!(a, api_key("/ghost/api/content/posts/", Some("include=tags,authors&limit=15&key=one")));
        assert_ne!(a, api_key("/ghost/api/content/posts/", Some("key=one&limit=16&include=tags,authors")));
        assert_ne!(a, api_key("/ghost/api/content/pages/", Some("key=one&limit=15&include=tags,authors")));
        assert!(!a.contains("one"), "{a}");
    }

    #[test]
    fn content_api_answers_go_with_any_change() {
        let cache = PageCache::default();
        page(&cache, "api-a", vec![Dep::AnyChange]);
        page(&cache, "/a/", vec![Dep::Post(ObjectId::new())]);
        cache.invalidate(&ContentChange::Picks);
        assert!(!cache.contains("api-a") && cache.contains("/a/"));
    }

    #[test]
    fn no_page_outlives_the_maximum_age() {
        let cache = PageCache::default();
        cache.set_max_age(Duration::ZERO);
        page(&cache, "/a/", vec![Dep::Post(ObjectId::new())]);
        assert!(!cache.contains("/a/"), "expired at once");
        cache.set_max_age(Duration::from_secs(60));
        page(&cache, "/a/", vec![Dep::Post(ObjectId::new())]);
        assert!(cache.contains("/a/"));
    }

    #[test]
    fn pages_are_labelled_with_what_they_show() {
        let (post, tag, author) = (ObjectId::new(), ObjectId::new(), ObjectId::new());
        let deps = vec![Dep::Post(post.clone()), Dep::TagList(tag.clone()), Dep::Author(author.clone()), Dep::Listings];
        assert_eq!(
            surrogate_keys(&deps, "/"),
            [
                "site".to_owned(),
                format!("post-{post}"),
                format!("tag-{tag}"),
                format!("author-{author}"),
                "home".into()
            ]
        );
        assert_eq!(surrogate_keys(&[Dep::Listings], "/rss/"), ["site", "feed"]);
    }

    #[test]
    fn each_access_level_has_its_own_key() {
        let keys: Vec<String> = [Reader::Anonymous, Reader::FreeMember, Reader::PaidMember]
            .into_iter()
            .map(|reader| page_key(reader, "/story/"))
            .collect();
        assert_eq!(keys[0], "/story/", "anonymous readers keep the plain path");
        assert!(keys[1] != keys[0] && keys[2] != keys[1] && keys[2] != keys[0], "{keys:?}");
    }

    #[test]
    fn a_render_that_raced_with_a_change_is_not_stored() {
        let cache = PageCache::default();
        let generation = cache.generation();
        cache.invalidate(&ContentChange::Everything);
        let body = EncodedBody::new(Bytes::from_static(b"stale"), false);
        let page = CachedPage::new(
            StatusCode::OK,
            HeaderValue::from_static("text/html"),
            HeaderValue::from_static("public"),
            body,
        );
        cache.insert("/".into(), generation, page);
        assert!(!cache.contains("/"));
    }
}
