//! The live news feed in public: the block on the home and article pages, `/news/` with "More
//! news" pages that stay put while new items arrive, a permalink per item, and RSS. Live
//! updates to open pages are in `crate::live`.

use axum::extract::{Path, State};
use axum::response::Response;
use masthead_app::ContentChange;
use masthead_core::ObjectId;
use masthead_render::html::html_to_plaintext;
use masthead_render::markdown::markdown_to_html;
use masthead_render::structured_data;
use masthead_render::views::{ImageView, MetaView, PostCard, SiteView, iso};
use masthead_storage::{FeedCursor, FeedItem};
use serde::Serialize;
use serde_json::json;

use super::feeds::{Feed, FeedContext, FeedItem as RssItem, rfc2822};
use super::{Page, cacheable, cacheable_html, card_deps, cards, site_context};
use crate::cache::{CacheDeps, Dep};
use crate::kept::Kept;
use crate::{AppState, WebError};

/// Items in the block on the home and article pages.
pub const BLOCK_ITEMS: u32 = 5;
/// Items per page of `/news/`.
pub const PAGE_ITEMS: u32 = 20;

#[derive(Clone, Debug, Serialize)]
pub struct NamedLink {
    pub name: String,
    pub url: String,
}

/// A feed item as pages show it.
#[derive(Clone, Debug, Serialize)]
pub struct FeedItemView {
    pub id: String,
    pub revision: i64,
    pub url: String,
    pub headline: String,
    pub html: String,
    /// RFC 3339; templates show it as a clock time in the site's time zone.
    pub published_at: String,
    pub edited_at: Option<String>,
    pub key_event: bool,
    pub pinned: bool,
    pub image: Option<String>,
    pub image_credit: Option<String>,
    pub author: Option<NamedLink>,
    pub story: Option<NamedLink>,
}

pub fn item_path(id: &str) -> String {
    format!("/news/{id}/")
}

impl FeedItemView {
    pub fn new(item: &FeedItem) -> Self {
        Self {
            id: item.id.clone(),
            revision: item.revision,
            url: item_path(&item.id),
            headline: item.headline.clone(),
            html: markdown_to_html(&item.body),
            published_at: iso(item.published_at),
            edited_at: item.edited_at.map(iso),
            key_event: item.key_event,
            pinned: item.pinned,
            image: item.image.as_deref().map(|u| ImageView::new(u, None).src),
            image_credit: item.image_credit.clone(),
            author: match (&item.author_name, &item.author_slug) {
                (Some(name), Some(slug)) => {
                    Some(NamedLink { name: name.clone(), url: masthead_render::views::author_path(slug) })
                }
                _ => None,
            },
            story: match (&item.post_title, &item.post_slug) {
                (Some(title), Some(slug)) => {
                    Some(NamedLink { name: title.clone(), url: masthead_render::views::post_path(slug) })
                }
                _ => None,
            },
        }
    }
}

/// Records what a list of items shows: the feed, and the stories the items link to.
fn item_deps(deps: &mut CacheDeps, items: &[FeedItem]) {
    deps.push(Dep::News);
    for item in items {
        if let Some(post) = item.post_id.as_deref().and_then(|id| ObjectId::parse(id).ok()) {
            deps.push(Dep::Post(post));
        }
        if let Some(author) = item.author_id.as_deref().and_then(|id| ObjectId::parse(id).ok()) {
            deps.push(Dep::Author(author));
        }
    }
}

#[derive(Serialize)]
struct ItemContext<'a> {
    site: &'a SiteView,
    item: &'a FeedItemView,
}

/// One item as every list shows it (also sent to open pages as it changes).
pub fn render_item(state: &AppState, site: &SiteView, item: &FeedItemView) -> Result<String, WebError> {
    Ok(state.theme.render("feed-item.html", &ItemContext { site, item })?)
}

/// The live feed and the editors' picks as the home and article pages show them.
#[derive(Clone, Debug, Serialize)]
pub struct FeedBlock {
    /// The revision the block shows: open pages ask for changes after it.
    pub revision: i64,
    pub pinned: Option<FeedItemView>,
    pub items: Vec<FeedItemView>,
    pub picks: Vec<PostCard>,
}

/// The block is the same on every page that shows it, so it is read once and kept, with what it
/// depends on, until a change could touch it: a feed item, the picks, any story (a pick's or a
/// linked story's headline, a pick published or withdrawn), a tag, an author, or everything.
/// Read on every article, it was the longest chain of reads there: six round trips one after
/// another on PostgreSQL.
#[derive(Default)]
pub struct KeptFeedBlock(Kept<(FeedBlock, CacheDeps)>);

impl KeptFeedBlock {
    pub fn heard(&self, change: &ContentChange) {
        // A narration changes no headline, and the block shows no audio.
        if !matches!(change, ContentChange::Settings | ContentChange::Campaigns | ContentChange::Narration(_)) {
            self.0.forget();
        }
    }
}

pub async fn feed_block(state: &AppState, deps: &mut CacheDeps) -> Result<FeedBlock, WebError> {
    let kept = state.feed_block.0.get_or_read(state.cache.max_age(), || read_feed_block(state)).await?;
    let (block, block_deps) = &*kept;
    deps.extend(block_deps.clone());
    Ok(block.clone())
}

async fn read_feed_block(state: &AppState) -> Result<(FeedBlock, CacheDeps), WebError> {
    let db = state.newsroom.db();
    // Read first: a change made while the rest is read is then sent to the page again.
    let revision = db.feed_revision().await?;
    let mut picks_deps = CacheDeps::default();
    let (items, pinned, picks) = tokio::try_join!(
        async { Ok::<_, WebError>(db.feed_page(None, BLOCK_ITEMS).await?) },
        async { Ok::<_, WebError>(db.pinned_feed_item().await?) },
        published_picks(state, &mut picks_deps),
    )?;
    let mut deps = CacheDeps::default();
    item_deps(&mut deps, &items);
    item_deps(&mut deps, pinned.as_slice());
    deps.extend(picks_deps);
    let block = FeedBlock {
        revision,
        pinned: pinned.as_ref().map(FeedItemView::new),
        items: items.iter().filter(|i| !i.pinned).map(FeedItemView::new).collect(),
        picks,
    };
    Ok((block, deps))
}

/// The editors' picks that are published, in the editors' order.
async fn published_picks(state: &AppState, deps: &mut CacheDeps) -> Result<Vec<PostCard>, WebError> {
    deps.push(Dep::Picks);
    let db = state.newsroom.db();
    let ids = db.picks().await?;
    let posts: Vec<_> = db.posts_by_ids(&ids).await?.into_iter().filter(|p| p.is_live()).collect();
    card_deps(deps, &posts);
    Ok(cards(&posts))
}

/// `{unix seconds}-{id}` of the last item on a page: where the next page starts.
fn cursor_text(item: &FeedItem) -> String {
    format!("{}-{}", item.published_at.unix_timestamp(), item.id)
}

fn parse_cursor(raw: &str) -> Option<FeedCursor> {
    let (seconds, id) = raw.split_once('-')?;
    let published_at = time::OffsetDateTime::from_unix_timestamp(seconds.parse().ok()?).ok()?;
    let id = ObjectId::parse(id).ok()?;
    Some(FeedCursor { published_at, id: id.as_str().to_owned() })
}

#[derive(Serialize)]
struct NewsContent {
    revision: i64,
    /// Whether this is the first page (the one new items arrive on).
    first: bool,
    pinned: Option<FeedItemView>,
    items: Vec<FeedItemView>,
    more_url: Option<String>,
}

/// `/news/`: the newest items.
pub async fn news(State(state): State<AppState>) -> Result<Response, WebError> {
    render_news(&state, None).await
}

/// `/news/before/{cursor}/`: "More news", the items posted before the cursor. The page's URL
/// names where it starts, so it shows the same items however many arrive meanwhile.
pub async fn news_before(State(state): State<AppState>, Path(cursor): Path<String>) -> Result<Response, WebError> {
    let cursor = parse_cursor(&cursor).ok_or(WebError::NotFound)?;
    render_news(&state, Some(cursor)).await
}

async fn render_news(state: &AppState, cursor: Option<FeedCursor>) -> Result<Response, WebError> {
    let ctx = site_context(state).await?;
    let db = state.newsroom.db();
    let revision = db.feed_revision().await?;
    let mut items = db.feed_page(cursor.as_ref(), PAGE_ITEMS + 1).await?;
    let more = items.len() > PAGE_ITEMS as usize;
    items.truncate(PAGE_ITEMS as usize);
    let mut deps = CacheDeps::default();
    item_deps(&mut deps, &items);
    let first = cursor.is_none();
    let pinned = if first { db.pinned_feed_item().await? } else { None };
    item_deps(&mut deps, pinned.as_slice());
    let more_url = more.then(|| items.last().map(|last| format!("/news/before/{}/", cursor_text(last)))).flatten();
    let path = match &cursor {
        None => "/news/".to_owned(),
        Some(c) => format!("/news/before/{}-{}/", c.published_at.unix_timestamp(), c.id),
    };
    let title =
        if first { format!("News feed – {}", ctx.site.title) } else { format!("More news – {}", ctx.site.title) };
    let description = format!("The latest updates from {}, as they happen.", ctx.site.title);
    let mut meta = MetaView::page(&ctx.site, &title, &description, &path);
    meta.rss_url = ctx.site.absolute("/news/rss/");
    meta.next_url = more_url.as_deref().map(|u| ctx.site.absolute(u));
    if first {
        meta.json_ld = Some(structured_data::to_script_json(&live_blog(&ctx.site, &items)));
    } else {
        meta.robots = Some("noindex, follow".to_owned());
    }
    let content = NewsContent {
        revision,
        first,
        pinned: pinned.as_ref().map(FeedItemView::new),
        items: items.iter().filter(|i| !(first && i.pinned)).map(FeedItemView::new).collect(),
        more_url,
    };
    let html = state.theme.render("news.html", &Page { site: &ctx.site, meta, current_path: "/news/", content })?;
    Ok(cacheable_html(html, deps))
}

/// `LiveBlogPosting` with its updates, as Google reads live coverage.
fn live_blog(site: &SiteView, items: &[FeedItem]) -> serde_json::Value {
    let updates: Vec<serde_json::Value> = items
        .iter()
        .map(|item| {
            let mut update = json!({
                "@type": "BlogPosting",
                "headline": item.headline,
                "url": site.absolute(&item_path(&item.id)),
                "datePublished": iso(item.published_at),
                "dateModified": iso(item.edited_at.unwrap_or(item.published_at)),
                "articleBody": html_to_plaintext(&markdown_to_html(&item.body)),
            });
            if let Some(author) = &item.author_name {
                update["author"] = json!({ "@type": "Person", "name": author });
            }
            update
        })
        .collect();
    let mut blog = json!({
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting",
        "headline": format!("News feed – {}", site.title),
        "url": site.absolute("/news/"),
        "publisher": structured_data::publisher(site),
        "liveBlogUpdate": updates,
    });
    if let Some(newest) = items.first() {
        blog["dateModified"] = json!(iso(items.iter().map(|i| i.updated_at).max().unwrap_or(newest.updated_at)));
    }
    if let Some(oldest) = items.last() {
        blog["coverageStartTime"] = json!(iso(oldest.published_at));
        blog["datePublished"] = json!(iso(oldest.published_at));
    }
    blog
}

#[derive(Serialize)]
struct ItemPage {
    item: FeedItemView,
}

/// `/news/{id}/`: one item, with its own title, description and image for sharing.
pub async fn item(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, WebError> {
    let id = ObjectId::parse(&id).map_err(|_| WebError::NotFound)?;
    let item = state.newsroom.db().feed_item(&id).await?.filter(|i| !i.is_deleted()).ok_or(WebError::NotFound)?;
    let ctx = site_context(&state).await?;
    let view = FeedItemView::new(&item);
    let text = html_to_plaintext(&view.html);
    let description = masthead_core::text::truncate_words(&text, 200);
    let mut meta =
        MetaView::page(&ctx.site, &format!("{} – {}", item.headline, ctx.site.title), &description, &view.url);
    meta.og_type = "article".to_owned();
    meta.og_title = item.headline.clone();
    meta.twitter_title = item.headline.clone();
    meta.published_time = Some(iso(item.published_at));
    meta.modified_time = Some(iso(item.edited_at.unwrap_or(item.published_at)));
    if let Some(image) = &view.image {
        meta.og_image = Some(ctx.site.absolute(image));
        meta.twitter_image = meta.og_image.clone();
        meta.og_image_alt = item.image_credit.clone();
        meta.twitter_card = "summary_large_image".to_owned();
    }
    meta.rss_url = ctx.site.absolute("/news/rss/");
    let mut deps = CacheDeps::default();
    item_deps(&mut deps, std::slice::from_ref(&item));
    let html = state.theme.render(
        "news-item.html",
        &Page { site: &ctx.site, meta, current_path: "/news/", content: ItemPage { item: view } },
    )?;
    Ok(cacheable_html(html, deps))
}

/// `/news/rss/`: the newest items as RSS.
pub async fn rss(State(state): State<AppState>) -> Result<Response, WebError> {
    let ctx = site_context(&state).await?;
    let items = state.newsroom.db().feed_page(None, PAGE_ITEMS).await?;
    let mut deps = CacheDeps::default();
    item_deps(&mut deps, &items);
    let build = items.iter().map(|i| i.updated_at).max().unwrap_or_else(masthead_core::now);
    let feed = Feed {
        title: format!("News feed – {}", ctx.site.title),
        description: format!("The latest updates from {}, as they happen.", ctx.site.title),
        link: ctx.site.absolute("/news/"),
        self_url: ctx.site.absolute("/news/rss/"),
        build_date: rfc2822(build),
    };
    let items = items
        .iter()
        .map(|item| {
            let view = FeedItemView::new(item);
            let html = super::feeds::absolute_links(&view.html, &ctx.site.url);
            RssItem {
                id: item.id.clone(),
                title: item.headline.clone(),
                url: ctx.site.absolute(&view.url),
                excerpt: masthead_core::text::truncate_words(&html_to_plaintext(&view.html), 300),
                html,
                authors: item.author_name.iter().cloned().collect(),
                tags: if item.key_event { vec!["Key event".to_owned()] } else { Vec::new() },
                published_at: rfc2822(item.published_at),
                image: view.image.as_deref().map(|u| ctx.site.absolute(u)),
            }
        })
        .collect();
    let xml = state.theme.render("rss.xml", &FeedContext { site: &ctx.site, feed, items })?;
    Ok(cacheable(xml, "application/rss+xml; charset=utf-8", deps))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_name_a_time_and_an_item() {
        let id = ObjectId::new();
        let cursor = parse_cursor(&format!("1733400000-{id}")).expect("a cursor");
        assert_eq!(cursor.published_at.unix_timestamp(), 1_733_400_000);
        assert_eq!(cursor.id, id.as_str());
        for bad in ["", "1733400000", "x-y", &format!("x-{id}"), "1733400000-notanid"] {
            assert_eq!(parse_cursor(bad), None, "{bad}");
        }
    }
}
