//! Handlers of the public site. Each one loads what its page shows, renders it with the theme,
//! and lists what the page depends on so the cache can drop it when that changes.

pub mod archive;
pub mod article;
pub mod feeds;
pub mod home;
pub mod members;
pub mod narration;
pub mod news;
pub mod payments;
pub mod search;

use std::sync::Arc;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use masthead_app::ContentChange;
use masthead_core::{Campaign, NarrationSettings, Post, SiteSettings};
use masthead_render::views::{CampaignView, MetaView, NewsletterView, PostCard, SiteView};
use masthead_storage::{PostList, StorageError};
use serde::Serialize;

use crate::cache::{CacheDeps, Dep};
use crate::{AppState, WebError};

/// Stories per page on the home page and archives (Ghost's default `posts_per_page`).
pub const PAGE_SIZE: u32 = 15;

pub struct SiteContext {
    pub settings: SiteSettings,
    pub site: SiteView,
}

/// What every page shows of the site as a whole, as read from the database: kept between
/// requests (see [`site_context`]).
pub(crate) struct SiteParts {
    settings: SiteSettings,
    newsletters: Vec<NewsletterView>,
    /// Campaigns running when read; which of them show is decided at each render.
    campaigns: Vec<Campaign>,
    /// Whether stories are narrated, and how the player is labelled (saved with the settings).
    pub(crate) narration: NarrationSettings,
}

impl SiteParts {
    /// Whether `change` touches what these parts hold: settings, newsletters (which announce
    /// every change) and campaigns (their counts, and their opening and closing with time).
    pub(crate) fn touched_by(change: &ContentChange) -> bool {
        matches!(change, ContentChange::Settings | ContentChange::Campaigns | ContentChange::Everything)
    }
}

/// The site as every page shows it. Its parts are the same for every page, so they are read
/// once and kept until a change touches them (or for as long as the page cache keeps a page,
/// which bounds staleness if a change between instances is lost): an article on PostgreSQL
/// otherwise waited for three reads in a row before its longest chain of reads could end.
pub async fn site_context(state: &AppState) -> Result<SiteContext, WebError> {
    let parts = site_parts(state).await?;
    let mut site = SiteView::new(&parts.settings, &state.site_url, Vec::new());
    site.newsletters = parts.newsletters.clone();
    // The kept counts are read, never counted here; pages showing them depend on
    // `Dep::Campaigns` (added to every HTML page by the page cache).
    (site.campaign_strip, site.campaign_block) = CampaignView::placements(&parts.campaigns, masthead_core::now());
    if let Ok(mut last) = state.last_site.write() {
        *last = Some(site.clone());
    }
    Ok(SiteContext { settings: parts.settings.clone(), site })
}

/// The site's kept parts (see [`site_context`]).
pub(crate) async fn site_parts(state: &AppState) -> Result<Arc<SiteParts>, StorageError> {
    state.site_parts.get_or_read(state.cache.max_age(), || read_site_parts(state)).await
}

async fn read_site_parts(state: &AppState) -> Result<SiteParts, StorageError> {
    let db = state.newsroom.db();
    let (settings, newsletters, campaigns, narration) = tokio::try_join!(
        db.site_settings(),
        db.newsletters(false),
        db.running_campaigns(masthead_core::now()),
        db.narration_settings(),
    )?;
    let newsletters = newsletters.iter().map(NewsletterView::new).collect();
    Ok(SiteParts { settings, newsletters, campaigns, narration })
}

/// The site as last read from the database (the defaults before any page was rendered), for
/// pages that must not read it.
pub(crate) fn last_site(state: &AppState) -> SiteView {
    let last = state.last_site.read().ok().and_then(|last| last.clone());
    last.unwrap_or_else(|| SiteView::new(&SiteSettings::default(), &state.site_url, Vec::new()))
}

/// What an error page says for `status`.
fn error_text(status: StatusCode) -> (&'static str, &'static str) {
    match status {
        StatusCode::NOT_FOUND => ("Page not found", "The page you were looking for does not exist or has moved."),
        StatusCode::SERVICE_UNAVAILABLE => {
            ("Back in a moment", "We cannot show this page right now. Please try again in a minute.")
        }
        _ => ("Something went wrong", "We could not show this page. Please try again in a moment."),
    }
}

/// The page context every HTML template receives.
#[derive(Serialize)]
pub struct Page<'a, T: Serialize> {
    pub site: &'a SiteView,
    pub meta: MetaView,
    pub current_path: &'a str,
    #[serde(flatten)]
    pub content: T,
}

/// Records what a list of cards shows: each post, its authors and its section.
pub fn card_deps(deps: &mut CacheDeps, posts: &[Post]) {
    for post in posts {
        deps.push(Dep::Post(post.id.clone()));
        for author in &post.authors {
            deps.push(Dep::Author(author.id.clone()));
        }
        for tag in &post.tags {
            deps.push(Dep::Tag(tag.id.clone()));
        }
    }
}

pub fn cards(posts: &[Post]) -> Vec<PostCard> {
    posts.iter().map(PostCard::new).collect()
}

pub fn cacheable(body: String, content_type: &'static str, deps: CacheDeps) -> Response {
    let mut response = ([(header::CONTENT_TYPE, HeaderValue::from_static(content_type))], body).into_response();
    response.extensions_mut().insert(deps);
    response
}

pub fn cacheable_html(body: String, deps: CacheDeps) -> Response {
    cacheable(body, "text/html; charset=utf-8", deps)
}

/// A page number from `/page/{n}/`. Page 1 lives at the list's own URL.
pub fn page_number(raw: &str) -> Result<u32, WebError> {
    match raw.parse::<u32>() {
        Ok(n) if n >= 2 && raw == n.to_string() => Ok(n),
        _ => Err(WebError::NotFound),
    }
}

pub async fn not_found() -> WebError {
    WebError::NotFound
}

#[derive(Serialize)]
struct ErrorContent {
    status: u16,
    heading: &'static str,
    message: &'static str,
    latest: Vec<PostCard>,
}

/// The theme's error page rendered without the database, for when it cannot be reached: the
/// site as last seen, no stories.
pub fn render_error_page_offline(state: &AppState, status: StatusCode) -> Result<String, WebError> {
    let site = last_site(state);
    let (heading, message) = error_text(status);
    let meta = MetaView::page(&site, &format!("{heading} – {}", site.title), message, "/");
    let content = ErrorContent { status: status.as_u16(), heading, message, latest: Vec::new() };
    Ok(state.theme.render("error.html", &Page { site: &site, meta, current_path: "", content })?)
}

/// The theme's error page. For "not found" it suggests the latest stories.
pub async fn render_error_page(state: &AppState, status: StatusCode, with_latest: bool) -> Result<String, WebError> {
    let ctx = site_context(state).await?;
    let (heading, message) = error_text(status);
    let latest = if with_latest {
        cards(&state.newsroom.db().latest_published_posts(PostList::All, 3).await?)
    } else {
        Vec::new()
    };
    let meta = MetaView::page(&ctx.site, &format!("{heading} – {}", ctx.site.title), message, "/");
    let page = Page {
        site: &ctx.site,
        meta,
        current_path: "",
        content: ErrorContent { status: status.as_u16(), heading, message, latest },
    };
    Ok(state.theme.render("error.html", &page)?)
}
