//! Masthead's HTTP face: the public site today; the newsroom admin, the Ghost-compatible APIs,
//! members and the live feed join the same route table (`router.rs`) as they arrive.

pub mod admin;
pub mod api;
mod assets;
pub mod cache;
pub mod client;
mod encoded;
mod error;
mod kept;
pub mod live;
mod media;
mod middleware;
pub mod redirect;
mod router;
pub mod server;
mod site;

use std::sync::Arc;

use masthead_app::Newsroom;
use masthead_render::Theme;

pub use error::WebError;
pub use router::router;

/// Shared state of every handler: one pointer, so that the copy each middleware layer and
/// extractor takes for every request is one reference count (a copy of every field cost a tenth
/// of the CPU of serving a cached answer).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

/// What [`AppState`] points to.
#[derive(Clone)]
pub struct Shared {
    pub newsroom: Newsroom,
    pub theme: Arc<Theme>,
    /// The newsroom's own screens.
    pub admin: Arc<Theme>,
    pub cache: Arc<cache::PageCache>,
    /// Live updates of the news feed to open pages.
    pub live: Arc<live::LiveFeed>,
    pub assets: Arc<assets::AssetStore>,
    /// Public base URL, no trailing slash, used in canonical links, feeds and sitemaps.
    pub site_url: Arc<str>,
    /// Shared secret of the mail relay's bounce webhook; the webhook is off without one.
    pub bounce_secret: Option<Arc<str>>,
    /// Reverse proxies whose forwarded client addresses are believed.
    pub trusted_proxies: Arc<client::TrustedProxies>,
    /// The site's title, colours and navigation as last read, so the page that says the
    /// database cannot be reached still looks like the site without reading it.
    pub(crate) last_site: Arc<std::sync::RwLock<Option<masthead_render::views::SiteView>>>,
    /// What every page shows of the site as a whole (see [`site::site_context`]).
    pub(crate) site_parts: Arc<kept::Kept<site::SiteParts>>,
    /// Where the front page's pages of the whole archive start (see [`site::home`]).
    pub(crate) archive_marks: Arc<kept::Kept<masthead_storage::ListMarks>>,
    /// The search page's section and author choices, as last listed.
    pub(crate) search_choices: Arc<site::search::Choices>,
    /// The live feed and editors' picks block (see [`site::news::feed_block`]).
    pub(crate) feed_block: Arc<site::news::KeptFeedBlock>,
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    /// The same state (the same caches and live feed) serving `newsroom`.
    pub fn with_newsroom(mut self, newsroom: Newsroom) -> Self {
        Arc::make_mut(&mut self.0).newsroom = newsroom;
        self
    }

    /// The same state with the bounce webhook's secret.
    pub fn with_bounce_secret(mut self, secret: Option<String>) -> Self {
        Arc::make_mut(&mut self.0).bounce_secret = secret.filter(|s| !s.is_empty()).map(Into::into);
        self
    }

    /// The same state, believing the client addresses these proxies forward.
    pub fn with_trusted_proxies(mut self, proxies: client::TrustedProxies) -> Self {
        Arc::make_mut(&mut self.0).trusted_proxies = Arc::new(proxies);
        self
    }

    /// Wires the page cache to the newsroom's change bus.
    pub fn new(newsroom: Newsroom, theme: Theme, site_url: &str) -> Result<Self, masthead_render::ThemeError> {
        // Before the page cache's listener: a page rendered again once its entry is dropped
        // finds the archive's marks already dropped too.
        let archive_marks = Arc::new(kept::Kept::default());
        let listener = Arc::downgrade(&archive_marks);
        newsroom.changes.subscribe(move |change| {
            if let Some(marks) = listener.upgrade()
                && site::home::marks_touched_by(change)
            {
                marks.forget();
            }
        });
        let cache = Arc::new(cache::PageCache::default());
        let listener = Arc::downgrade(&cache);
        newsroom.changes.subscribe(move |change| {
            if let Some(cache) = listener.upgrade() {
                cache.invalidate(change);
            }
        });
        // Before the live feed's listener: a reader told of a new item then loads pages showing it.
        let feed_block = Arc::new(site::news::KeptFeedBlock::default());
        let listener = Arc::downgrade(&feed_block);
        newsroom.changes.subscribe(move |change| {
            if let Some(block) = listener.upgrade() {
                block.heard(change);
            }
        });
        let live = Arc::new(live::LiveFeed::default());
        let listener = Arc::downgrade(&live);
        newsroom.changes.subscribe(move |change| {
            if let Some(live) = listener.upgrade() {
                live.heard(change);
            }
        });
        let site_parts = Arc::new(kept::Kept::default());
        let listener = Arc::downgrade(&site_parts);
        newsroom.changes.subscribe(move |change| {
            if let Some(parts) = listener.upgrade()
                && site::SiteParts::touched_by(change)
            {
                parts.forget();
            }
        });
        let search_choices = Arc::new(site::search::Choices::default());
        let listener = Arc::downgrade(&search_choices);
        newsroom.changes.subscribe(move |change| {
            if let Some(choices) = listener.upgrade() {
                choices.heard(change);
            }
        });
        let assets = Arc::new(assets::AssetStore::new(&theme));
        let admin = Arc::new(Theme::load_admin()?);
        Ok(Self(Arc::new(Shared {
            newsroom,
            theme: Arc::new(theme),
            admin,
            cache,
            live,
            assets,
            site_url: site_url.trim_end_matches('/').into(),
            bounce_secret: None,
            trusted_proxies: Arc::default(),
            last_site: Arc::default(),
            site_parts,
            archive_marks,
            search_choices,
            feed_block,
        })))
    }
}
