//! RSS feeds and sitemaps.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use masthead_core::{Post, PostType, Reader, TagVisibility, Visibility};
use masthead_render::escape_html;
use masthead_render::gating::seen_by;
use masthead_render::views::{ImageView, SiteView, author_path, iso, post_path, tag_path};
use masthead_storage::PostList;
use serde::Serialize;
use time::format_description::well_known::Rfc2822;

use super::{cacheable, card_deps, site_context};
use crate::cache::{CacheDeps, CacheTtl, Dep};
use crate::{AppState, WebError};

const FEED_ITEMS: u32 = 15;
const RSS: &str = "application/rss+xml; charset=utf-8";
const XML: &str = "application/xml; charset=utf-8";

/// An RSS channel (`rss.xml`), for the site's feeds and the live news feed's.
#[derive(Serialize)]
pub(crate) struct Feed {
    pub title: String,
    pub description: String,
    pub link: String,
    pub self_url: String,
    pub build_date: String,
}

#[derive(Serialize)]
pub(crate) struct FeedItem {
    pub id: String,
    pub title: String,
    pub url: String,
    pub excerpt: String,
    pub html: String,
    pub authors: Vec<String>,
    pub tags: Vec<String>,
    pub published_at: String,
    pub image: Option<String>,
}

#[derive(Serialize)]
pub(crate) struct FeedContext<'a> {
    pub site: &'a SiteView,
    pub feed: Feed,
    pub items: Vec<FeedItem>,
}

/// Makes site-relative links and images absolute, since feed readers show content elsewhere.
pub(crate) fn absolute_links(html: &str, base: &str) -> String {
    html.replace("src=\"/", &format!("src=\"{base}/")).replace("href=\"/", &format!("href=\"{base}/"))
}

pub(crate) fn rfc2822(t: time::OffsetDateTime) -> String {
    t.format(&Rfc2822).unwrap_or_default()
}

/// A feed item carries what anyone may read: a gated story's public opening, then a link to
/// read the rest on the site (feed readers have no member session).
fn feed_item(site: &SiteView, post: &Post) -> FeedItem {
    let url = site.absolute(&post_path(post.slug.as_str()));
    let seen = seen_by(post, Reader::Anonymous);
    let mut html = absolute_links(&seen.post.html, &site.url);
    if !seen.access {
        let who = match post.visibility {
            Visibility::Paid => "paying members",
            Visibility::Tiers => "members on its tiers",
            _ => "members",
        };
        html.push_str(&format!(
            "<p><a href=\"{}\">The rest of this story is for {who}: read it on {}.</a></p>",
            escape_html(&url),
            escape_html(&site.title)
        ));
    }
    FeedItem {
        id: post.id.to_string(),
        title: post.title.clone(),
        excerpt: seen.post.excerpt(),
        url,
        html,
        authors: post.authors.iter().map(|a| a.name.clone()).collect(),
        tags: post.public_tags().map(|t| t.name.clone()).collect(),
        published_at: post.published_at.map(rfc2822).unwrap_or_default(),
        image: post.feature_image.as_deref().map(|u| site.absolute(&ImageView::new(u, None).src)),
    }
}

async fn render_feed(
    state: &AppState,
    list: PostList<'_>,
    title: String,
    description: String,
    path: &str,
    mut deps: CacheDeps,
) -> Result<Response, WebError> {
    let ctx = site_context(state).await?;
    let posts = state.newsroom.db().latest_published_posts(list, FEED_ITEMS).await?;
    card_deps(&mut deps, &posts);
    let build_date = posts.first().and_then(|p| p.published_at).unwrap_or_else(masthead_core::now);
    let feed = Feed {
        title,
        description,
        link: ctx.site.absolute(path.trim_end_matches("rss/")),
        self_url: ctx.site.absolute(path),
        build_date: rfc2822(build_date),
    };
    let items = posts.iter().map(|p| feed_item(&ctx.site, p)).collect();
    let xml = state.theme.render("rss.xml", &FeedContext { site: &ctx.site, feed, items })?;
    Ok(cacheable(xml, RSS, deps))
}

pub async fn site_rss(State(state): State<AppState>) -> Result<Response, WebError> {
    let ctx = site_context(&state).await?;
    let mut deps = CacheDeps::default();
    deps.push(Dep::Listings);
    render_feed(&state, PostList::All, ctx.site.title.clone(), ctx.site.description.clone(), "/rss/", deps).await
}

pub async fn tag_rss(State(state): State<AppState>, Path(slug): Path<String>) -> Result<Response, WebError> {
    let tag = state
        .newsroom
        .db()
        .tag_by_slug(&slug)
        .await?
        .filter(|t| t.visibility == TagVisibility::Public)
        .ok_or(WebError::NotFound)?;
    let ctx = site_context(&state).await?;
    let mut deps = CacheDeps::default();
    deps.push(Dep::Tag(tag.id.clone()));
    deps.push(Dep::TagList(tag.id.clone()));
    let title = format!("{} – {}", tag.name, ctx.site.title);
    let description = tag.description.clone().unwrap_or_else(|| ctx.site.description.clone());
    render_feed(
        &state,
        PostList::Tag(&tag.id),
        title,
        description,
        &format!("{}rss/", tag_path(tag.slug.as_str())),
        deps,
    )
    .await
}

pub async fn author_rss(State(state): State<AppState>, Path(slug): Path<String>) -> Result<Response, WebError> {
    let author = state.newsroom.db().user_by_slug(&slug).await?.ok_or(WebError::NotFound)?;
    let ctx = site_context(&state).await?;
    let mut deps = CacheDeps::default();
    deps.push(Dep::Author(author.id.clone()));
    deps.push(Dep::AuthorList(author.id.clone()));
    let title = format!("{} – {}", author.name, ctx.site.title);
    let description = author.bio.clone().unwrap_or_else(|| ctx.site.description.clone());
    render_feed(
        &state,
        PostList::Author(&author.id),
        title,
        description,
        &format!("{}rss/", author_path(author.slug.as_str())),
        deps,
    )
    .await
}

#[derive(Serialize)]
struct SitemapRef {
    url: String,
    lastmod: Option<String>,
}

#[derive(Serialize)]
struct UrlEntry {
    url: String,
    lastmod: Option<String>,
    image: Option<String>,
}

#[derive(Serialize)]
struct NewsEntry {
    url: String,
    title: String,
    published_at: String,
}

#[derive(Serialize)]
struct SitemapContext<'a, T: Serialize> {
    site: &'a SiteView,
    #[serde(flatten)]
    content: T,
}

fn listings() -> CacheDeps {
    let mut deps = CacheDeps::default();
    deps.push(Dep::Listings);
    deps
}

/// The most entries one sitemap file holds; longer sitemaps are split into numbered files
/// (`sitemap-posts.xml`, `sitemap-posts-2.xml`, ...), all listed in the index.
pub const SITEMAP_FILE_ENTRIES: u32 = 1_000;

/// What a sitemap lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SitemapKind {
    Pages,
    Posts,
    Authors,
    Tags,
}

impl SitemapKind {
    const ALL: [SitemapKind; 4] = [SitemapKind::Pages, SitemapKind::Posts, SitemapKind::Authors, SitemapKind::Tags];

    fn name(self) -> &'static str {
        match self {
            SitemapKind::Pages => "pages",
            SitemapKind::Posts => "posts",
            SitemapKind::Authors => "authors",
            SitemapKind::Tags => "tags",
        }
    }

    /// The path of file `file` (from 1): the first keeps the plain name.
    fn path(self, file: u32) -> String {
        match file {
            0 | 1 => format!("/sitemap-{}.xml", self.name()),
            n => format!("/sitemap-{}-{n}.xml", self.name()),
        }
    }

    /// The kind and file number a file name stands for, when it is a numbered sitemap file
    /// (`sitemap-posts-2.xml`; the first file has only the plain name).
    fn parse_numbered(file: &str) -> Option<(SitemapKind, u32)> {
        let rest = file.strip_prefix("sitemap-")?.strip_suffix(".xml")?;
        let (name, number) = rest.rsplit_once('-')?;
        let kind = Self::ALL.into_iter().find(|k| k.name() == name)?;
        let number: u32 = number.parse().ok().filter(|n| *n >= 2 && !number.starts_with('0'))?;
        Some((kind, number))
    }
}

/// The number of files `count` entries take.
fn files_for(count: usize) -> u32 {
    (count.div_ceil(SITEMAP_FILE_ENTRIES as usize)).max(1) as u32
}

pub async fn sitemap_index(State(state): State<AppState>) -> Result<Response, WebError> {
    let ctx = site_context(&state).await?;
    let db = &state.newsroom.db();
    let mut sitemaps = Vec::new();
    for kind in SitemapKind::ALL {
        let lastmods: Vec<Option<String>> = match kind {
            SitemapKind::Pages | SitemapKind::Posts => {
                let post_type = if kind == SitemapKind::Pages { PostType::Page } else { PostType::Post };
                let files = db.sitemap_files(post_type, SITEMAP_FILE_ENTRIES).await?;
                if files.is_empty() { vec![None] } else { files.into_iter().map(|at| Some(iso(at))).collect() }
            }
            SitemapKind::Authors => {
                vec![None; files_for(db.authors_in_use().await?.len()) as usize]
            }
            SitemapKind::Tags => vec![None; files_for(db.public_tags_in_use().await?.len()) as usize],
        };
        for (index, lastmod) in lastmods.into_iter().enumerate() {
            sitemaps.push(SitemapRef { url: ctx.site.absolute(&kind.path(index as u32 + 1)), lastmod });
        }
    }
    sitemaps.push(SitemapRef { url: ctx.site.absolute("/sitemap-news.xml"), lastmod: None });
    #[derive(Serialize)]
    struct Index {
        sitemaps: Vec<SitemapRef>,
    }
    let xml =
        state.theme.render("sitemap-index.xml", &SitemapContext { site: &ctx.site, content: Index { sitemaps } })?;
    Ok(cacheable(xml, XML, listings()))
}

async fn render_urlset(state: &AppState, site: &SiteView, entries: Vec<UrlEntry>) -> Result<Response, WebError> {
    #[derive(Serialize)]
    struct Urlset {
        entries: Vec<UrlEntry>,
    }
    let xml = state.theme.render("sitemap.xml", &SitemapContext { site, content: Urlset { entries } })?;
    Ok(cacheable(xml, XML, listings()))
}

/// File `file` (from 1) of a sitemap. A numbered file past the last is not found; the first
/// file always exists, empty when there is nothing to list.
async fn sitemap_of(state: &AppState, kind: SitemapKind, file: u32) -> Result<Response, WebError> {
    let ctx = site_context(state).await?;
    let db = state.newsroom.db();
    let per_file = SITEMAP_FILE_ENTRIES as usize;
    let skip = (file as usize - 1) * per_file;
    let entries: Vec<UrlEntry> = match kind {
        SitemapKind::Pages | SitemapKind::Posts => {
            let post_type = if kind == SitemapKind::Pages { PostType::Page } else { PostType::Post };
            db.sitemap_entries(post_type, file, SITEMAP_FILE_ENTRIES)
                .await?
                .into_iter()
                .map(|e| UrlEntry {
                    url: ctx.site.absolute(&post_path(&e.slug)),
                    lastmod: Some(iso(e.updated_at)),
                    image: e.feature_image.as_deref().map(|u| ctx.site.absolute(u)),
                })
                .collect()
        }
        SitemapKind::Tags => db
            .public_tags_in_use()
            .await?
            .into_iter()
            .skip(skip)
            .take(per_file)
            .map(|tag| UrlEntry {
                url: ctx.site.absolute(&tag_path(tag.slug.as_str())),
                lastmod: Some(iso(tag.updated_at)),
                image: None,
            })
            .collect(),
        SitemapKind::Authors => db
            .authors_in_use()
            .await?
            .into_iter()
            .skip(skip)
            .take(per_file)
            .map(|author| UrlEntry {
                url: ctx.site.absolute(&author_path(author.slug.as_str())),
                lastmod: Some(iso(author.updated_at)),
                image: author.profile_image.as_deref().map(|u| ctx.site.absolute(u)),
            })
            .collect(),
    };
    if entries.is_empty() && file > 1 {
        return Err(WebError::NotFound);
    }
    render_urlset(state, &ctx.site, entries).await
}

pub async fn sitemap_posts(State(state): State<AppState>) -> Result<Response, WebError> {
    sitemap_of(&state, SitemapKind::Posts, 1).await
}

pub async fn sitemap_pages(State(state): State<AppState>) -> Result<Response, WebError> {
    sitemap_of(&state, SitemapKind::Pages, 1).await
}

pub async fn sitemap_tags(State(state): State<AppState>) -> Result<Response, WebError> {
    sitemap_of(&state, SitemapKind::Tags, 1).await
}

pub async fn sitemap_authors(State(state): State<AppState>) -> Result<Response, WebError> {
    sitemap_of(&state, SitemapKind::Authors, 1).await
}

/// A file at the top of the site that no other route serves: the numbered sitemap files
/// (`/sitemap-posts-2.xml`), or not found.
pub async fn top_level_file(State(state): State<AppState>, Path(file): Path<String>) -> Result<Response, WebError> {
    match SitemapKind::parse_numbered(&file) {
        Some((kind, number)) => sitemap_of(&state, kind, number).await,
        None => Err(WebError::NotFound),
    }
}

/// Google News sitemap: stories published in the last two days.
pub async fn sitemap_news(State(state): State<AppState>) -> Result<Response, WebError> {
    let ctx = site_context(&state).await?;
    let since = masthead_core::now() - time::Duration::days(2);
    let entries: Vec<NewsEntry> = state
        .newsroom
        .db()
        .posts_published_since(since)
        .await?
        .into_iter()
        .map(|p| NewsEntry {
            url: ctx.site.absolute(&post_path(p.slug.as_str())),
            title: p.title.clone(),
            published_at: p.published_at.map(iso).unwrap_or_default(),
        })
        .collect();
    #[derive(Serialize)]
    struct News {
        entries: Vec<NewsEntry>,
    }
    let xml = state.theme.render("sitemap-news.xml", &SitemapContext { site: &ctx.site, content: News { entries } })?;
    let mut response = cacheable(xml, XML, listings());
    // Stories age out of this sitemap with time, not only with edits.
    response.extensions_mut().insert(CacheTtl(std::time::Duration::from_secs(600)));
    Ok(response)
}

pub async fn robots(State(state): State<AppState>) -> Response {
    let body =
        format!("User-agent: *\nDisallow: /ghost/\nDisallow: /admin/\n\nSitemap: {}/sitemap.xml\n", state.site_url);
    ([(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"))], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_sitemap_files_are_read_from_their_names() {
        assert_eq!(SitemapKind::parse_numbered("sitemap-posts-2.xml"), Some((SitemapKind::Posts, 2)));
        assert_eq!(SitemapKind::parse_numbered("sitemap-tags-31.xml"), Some((SitemapKind::Tags, 31)));
        for not_numbered in
            ["sitemap-posts.xml", "sitemap-posts-1.xml", "sitemap-posts-02.xml", "sitemap-news-2.xml", "ads.txt"]
        {
            assert_eq!(SitemapKind::parse_numbered(not_numbered), None, "{not_numbered}");
        }
        assert_eq!(SitemapKind::Posts.path(1), "/sitemap-posts.xml");
        assert_eq!(SitemapKind::Posts.path(3), "/sitemap-posts-3.xml");
        assert_eq!((files_for(0), files_for(1_000), files_for(1_001)), (1, 1, 2));
    }
}
